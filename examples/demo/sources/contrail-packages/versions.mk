# The version of every package: VERSION when given (make -f packages.make VERSION=...), else the
# controller's src/base/version.info. (The packages' version, not the images' tag.)
ifeq ($(VERSION),)
VERSION := $(shell cat $(CONTROLLER_DIR)/src/base/version.info 2>/dev/null)
endif
ifeq ($(VERSION),)
$(error no VERSION given, and $(CONTROLLER_DIR)/src/base/version.info cannot be read)
endif
