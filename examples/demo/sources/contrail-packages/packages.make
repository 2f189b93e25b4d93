# packages.make: builds the Debian packages of the sandbox. The manifest copies it to the sandbox
# top, where it runs:
#
#   make -f packages.make package-contrail [VERSION=4.0.0.0-20] [SERIES=bookworm] [JOBS=2]
#
# package-<source> copies tools/packages/debian/<source>/debian into build/packages/<source>/,
# puts VERSION and SERIES into its changelog, and runs dpkg-buildpackage there; debian/rules runs
# scons at the sandbox top. The .deb files land in build/packages/.
SB_TOP := $(CURDIR)
MANIFEST := $(SB_TOP)/.repo/manifest.xml

# a project's path in the sandbox, from the manifest as checked out (the path defaults to the name)
project_path = $(or $(shell xmllint --xpath 'string(/manifest/project[@name="$(1)"]/@path)' $(MANIFEST)),$(1))

ifeq ($(wildcard $(MANIFEST)),)
$(error $(MANIFEST) is missing: run this at the top of a sandbox that repo (or packageBuild) laid out)
endif
PACKAGES_DIR := $(SB_TOP)/$(call project_path,contrail-packages)
CONTROLLER_DIR := $(SB_TOP)/$(call project_path,contrail-controller)
include $(PACKAGES_DIR)/versions.mk

SERIES ?= $(shell . /etc/os-release && echo $$VERSION_CODENAME)
JOBS ?= 1
BUILDDIR := $(SB_TOP)/build/packages
SOURCES := $(notdir $(wildcard $(PACKAGES_DIR)/debian/*))

all: $(SOURCES:%=package-%)

package-%:
	@test -d $(PACKAGES_DIR)/debian/$*/debian || { echo "packages.make: no source package $* in $(PACKAGES_DIR)/debian" >&2; exit 2; }
	rm -rf $(BUILDDIR)/$*
	mkdir -p $(BUILDDIR)/$*
	cp -a $(PACKAGES_DIR)/debian/$*/debian $(BUILDDIR)/$*/
	sed -i -e 's/VERSION/$(VERSION)/g' -e 's/SERIES/$(SERIES)/g' $(BUILDDIR)/$*/debian/changelog
	@# build-depends of one series only (builddep.<series>), as the real packages.make merges them
	if [ -f $(BUILDDIR)/$*/debian/builddep.$(SERIES) ]; then \
	  sed -i "/^Build-Depends:/ s/\$$/, $$(cat $(BUILDDIR)/$*/debian/builddep.$(SERIES))/" $(BUILDDIR)/$*/debian/control; \
	fi
	cd $(BUILDDIR)/$* && dpkg-buildpackage -uc -us -b -rfakeroot -j$(JOBS)

info:
	@echo "VERSION=$(VERSION) SERIES=$(SERIES) sources: $(SOURCES)"

.PHONY: all info
