# backends.mk - the backends besides Debian 12's C virtiofsd, included by the top Makefile:
#   backends   build/backends/rust/virtiofsd: Debian 13's Rust virtiofsd 1.13 (the seed demo's),
#              fetched with a private APT configuration; cached while it answers --version.
BACKENDS_DIR := build/backends

.PHONY: backends
backends:
	@harness/backends/fetch-rust-virtiofsd.sh $(BACKENDS_DIR)/rust
