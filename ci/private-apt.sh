# private-apt.sh - sourced (not run) by the scripts that fetch Debian packages for the harness
# (the arm64 guest image, the Rust virtiofsd): an APT configuration of their own - state, cache,
# an empty dpkg status - so the host's dpkg state and APT lists are never touched.
# private_apt DIR ARCH SOURCELIST SOURCEPARTS: writes DIR/apt.conf and exports APT_CONFIG.
private_apt() {
	local dir=$1 arch=$2 list=$3 parts=$4
	mkdir -p "$dir/state/lists/partial" "$dir/cache/archives/partial"
	: >"$dir/status"
	cat >"$dir/apt.conf" <<CONF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Dir::State "$dir/state";
Dir::State::status "$dir/status";
Dir::Cache "$dir/cache";
Dir::Etc::sourcelist "$list";
Dir::Etc::sourceparts "$parts";
Acquire::Languages "none";
APT::Sandbox::User "root";
CONF
	export APT_CONFIG=$dir/apt.conf
}
