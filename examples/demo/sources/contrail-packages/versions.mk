# The version of every package. With VERSION given (make -f packages.make VERSION=...) that one;
# without it, one made from the controller's last commit, which needs the project's git metadata
# in the sandbox: 0~<commit date>.<commit id>.
ifeq ($(VERSION),)
VERSION := $(shell cd $(CONTROLLER_DIR) && git log -1 --date=format:%Y%m%d --format=0~%cd.%h)
ifeq ($(VERSION),)
$(error no VERSION given, and git cannot read the controller's last commit in $(CONTROLLER_DIR))
endif
endif
