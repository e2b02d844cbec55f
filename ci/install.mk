# ci/install.mk - `make install PREFIX=/usr/local [DESTDIR=...]` and `make uninstall`, included by
# the top Makefile; the layout is ci/install.sh's (an installed baoharness finds its parts
# relative to itself and the scenario library under PREFIX/share/baoharness).
PREFIX ?= /usr/local
DESTDIR ?=

.PHONY: install uninstall
install: all
	@ci/install.sh $(BUILD) $(PREFIX) $(DESTDIR)

uninstall:
	@ci/install.sh --uninstall $(PREFIX) $(DESTDIR)
