#!/usr/bin/env bash
# cold-images-build: measure `advent images build` as on a fresh machine:
# an empty Docker engine, empty GOCACHE, GOMODCACHE and image cache.
#
#   - builds bin/advent first (warm caches: not part of the measurement);
#   - stops the dockerd that .ci/docker-up started (/run/advent-dockerd.pid);
#   - points dockerd at an empty data root, /var/lib/docker.cold, through
#     /etc/docker/daemon.json, and starts it with .ci/docker-up. The warm
#     data root /var/lib/docker is left where it is, untouched: on this
#     machine it is a bind mount, which cannot be renamed, and moving its
#     contents aside would copy gigabytes;
#   - runs `/usr/bin/time -v bin/advent images build -kubernetes VERSIONS -cache DIR
#     -inspec-src INSPEC_SRC` with GOCACHE, GOMODCACHE and the image cache in a
#     fresh temporary directory, logging everything;
#   - ALWAYS (trap, also on failure or Ctrl-C) stops that dockerd, removes
#     the cold data root and the temporary caches, restores
#     /etc/docker/daemon.json and starts the warm dockerd again with
#     .ci/docker-up, so the warm cache is back afterwards.
#
# Usage (as root, from anywhere; refuses while containers are running, as
# stopping dockerd would kill them; FORCE=1 goes on anyway):
#
#   scripts/cold-images-build.sh                  v1.35.4,v1.37.2 (make images)
#   VERSIONS=v1.37.2 scripts/cold-images-build.sh one version (make lab)
#   VERSIONS= scripts/cold-images-build.sh        dry run of the engine swap and
#                                                 restore: builds only the debian step
#
# Environment: VERSIONS (default v1.35.4,v1.37.2), INSPEC_SRC (default
# /work/shared/vendor/inspec), OUT (default artifacts/cold-images-build),
# FORCE, KEEP_TMP=1 (keep the temporary caches; the cold data root is always
# removed).
#
# Output in OUT: build.log (advent's output, then `time -v`), steps.txt (each
# step's "done in" line: its duration, compile time and waits), summary.txt
# (wall time, CPU, load before and after, versions).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VERSIONS=${VERSIONS-v1.35.4,v1.37.2}
INSPEC_SRC=${INSPEC_SRC-/work/shared/vendor/inspec}
OUT=${OUT:-$ROOT/artifacts/cold-images-build}
PIDFILE=${ADVENT_DOCKERD_PIDFILE:-/run/advent-dockerd.pid}
COLD=/var/lib/docker.cold
DAEMON_JSON=/etc/docker/daemon.json
SAVED_JSON=/etc/docker/daemon.json.advent-cold-saved

say() { echo "cold-images-build: $*"; }
die() { echo "cold-images-build: error: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "must run as root (it stops and starts dockerd)"
[[ -x /usr/bin/time ]] || die "/usr/bin/time missing (apt-get install time)"
[[ ! -e $COLD ]] || die "$COLD exists: a previous run did not finish its restore; check it, remove it, then run again"
[[ ! -e $SAVED_JSON ]] || die "$SAVED_JSON exists: a previous run did not finish its restore; move it back to $DAEMON_JSON"
pid=$(cat "$PIDFILE" 2>/dev/null || true)
if ! [[ $pid =~ ^[0-9]+$ ]] || [[ $(cat "/proc/$pid/comm" 2>/dev/null) != dockerd ]]; then
	die "no dockerd started by .ci/docker-up ($PIDFILE): start it with .ci/docker-up first (a daemon started otherwise is not stopped by this script)"
fi
running=$(docker ps -q | wc -l)
if ((running > 0)) && [[ ${FORCE:-} != 1 ]]; then
	die "$running containers are running (docker ps); stopping dockerd would stop them. Run when the machine is quiet, or FORCE=1"
fi
if [[ -n $VERSIONS ]] && [[ ! -d $INSPEC_SRC ]]; then
	die "INSPEC_SRC=$INSPEC_SRC is not a directory (the cincproject/auditor stand-in's sources)"
fi

mkdir -p "$OUT"
LOG=$OUT/build.log
: >"$LOG"

say "building bin/advent (warm caches, not measured)"
(cd "$ROOT" && go build -o bin/advent ./cmd/advent)

TMP=$(mktemp -d /var/tmp/advent-cold.XXXXXX)
swapped=no

# shellcheck disable=SC2317 # called by the EXIT trap
restore() {
	local rc=$?
	set +e
	trap - EXIT INT TERM
	say "restoring the warm Docker engine (exit status $rc)"
	if [[ $swapped == yes ]]; then
		"$ROOT/.ci/docker-down" || say "WARNING: the cold dockerd did not stop; check $PIDFILE before trusting the restore"
		# Any mount a crashed daemon left below the cold root.
		findmnt -rn -o TARGET | grep "^$COLD/" | sort -r | while read -r m; do umount -l "$m"; done
		rm -rf --one-file-system "$COLD"
		if [[ -e $SAVED_JSON ]]; then
			mv -f "$SAVED_JSON" "$DAEMON_JSON"
		else
			rm -f "$DAEMON_JSON"
		fi
		"$ROOT/.ci/docker-up"
		say "warm engine back: $(docker info --format '{{.DockerRootDir}}, {{.Images}} images' 2>/dev/null)"
	fi
	if [[ ${KEEP_TMP:-} == 1 ]]; then
		say "kept the temporary caches in $TMP"
	else
		chmod -R u+w "$TMP" 2>/dev/null
		rm -rf "$TMP"
	fi
	exit "$rc"
}
trap restore EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
warm_images=$(docker info --format '{{.Images}}')
say "stopping the warm dockerd (pid $pid, $warm_images images in /var/lib/docker)"
swapped=yes
"$ROOT/.ci/docker-down"
if [[ -e $DAEMON_JSON ]]; then
	cp -p "$DAEMON_JSON" "$SAVED_JSON"
	jq --arg root "$COLD" '.["data-root"] = $root' "$SAVED_JSON" >"$DAEMON_JSON"
else
	mkdir -p "$(dirname "$DAEMON_JSON")"
	printf '{"data-root": "%s"}\n' "$COLD" >"$DAEMON_JSON"
fi
mkdir -p "$COLD"
"$ROOT/.ci/docker-up"
root=$(docker info --format '{{.DockerRootDir}}')
images=$(docker info --format '{{.Images}}')
[[ $root == "$COLD" ]] || die "the new dockerd uses $root, not $COLD"
[[ $images == 0 ]] || die "the cold engine has $images images"
say "cold engine up: data root $root, 0 images"

export GOCACHE=$TMP/gocache GOMODCACHE=$TMP/gomodcache GOFLAGS=-modcacherw
mkdir -p "$GOCACHE" "$GOMODCACHE"
args=(images build -cache "$TMP/cache")
if [[ -n $VERSIONS ]]; then
	args+=(-kubernetes "$VERSIONS" -inspec-src "$INSPEC_SRC")
else
	say "VERSIONS empty: dry run, building only the debian step"
	args+=(-kubernetes v1.37.2 -only debian)
fi
{
	echo "# $(date -u +%FT%TZ) $(git -C "$ROOT" rev-parse --short HEAD) nproc=$(nproc) load=$load_before"
	echo "# GOCACHE=$GOCACHE GOMODCACHE=$GOMODCACHE docker root $root"
	echo "# bin/advent ${args[*]}"
} >>"$LOG"
say "running bin/advent ${args[*]} (log: $LOG)"
set +e
/usr/bin/time -v "$ROOT/bin/advent" "${args[@]}" >>"$LOG" 2>&1
status=$?
set -e
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

grep -E '\] [^ ]+: (done in|FAILED|cancelled)' "$LOG" >"$OUT/steps.txt" || true
{
	echo "advent images build, cold: ${VERSIONS:-(dry run: debian only)}"
	echo "exit status: $status"
	grep -E 'Elapsed \(wall clock\)|Percent of CPU|Maximum resident|User time|System time' "$LOG" | sed 's/^\t*/  /'
	echo "  load before: $load_before, after: $load_after"
	grep -E '^advent images: [0-9]+ built' "$LOG" || true
} >"$OUT/summary.txt"
cat "$OUT/summary.txt"
say "per step: $OUT/steps.txt"
exit "$status"
