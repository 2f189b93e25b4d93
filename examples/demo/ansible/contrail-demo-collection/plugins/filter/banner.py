# A filter the demo roles use, so that provisioning proves the collection was installed.


def banner(value):
    return "[contrail %s]" % value


class FilterModule(object):
    def filters(self):
        return {"banner": banner}
