#!/bin/bash
# Project copy of the reference script (shared/tools/ceph-s3), used by test/interop/peers/ceph.ts.
# Adapted: ports come from the caller (the test harness picks free loopback ports).
# Bring up a throw-away single-node Ceph cluster (1 mon, [1 mgr], 1 memstore OSD, 1 radosgw/beast)
# listening only on 127.0.0.1, and create an S3 user.  Everything lives under $CEPH_DIR/data,
# which is wiped first ("from nothing").  Tested with Debian bookworm ceph 16.2.15 (pacific).
#
# Needs: apt-get install --no-install-recommends ceph-mon ceph-osd radosgw ceph-common [ceph-mgr]
#
# Env (all optional):
#   CEPH_DIR (required)   RGW_PORT=7480   MON_V2_PORT=3300   MON_V1_PORT=6789
#   S3_ACCESS_KEY=TESTACCESSKEY   S3_SECRET_KEY=TESTSECRETKEY1234567890
#   WITH_MGR=1           (0 = skip ceph-mgr; S3 works without it, `ceph -s` shows pgs unknown)
#   MEMSTORE_BYTES=4294967296   (cap of the in-RAM object store; RAM is used on demand)
#   PRECREATE_POOLS=1    (create the rgw bucket pools up front so the first CreateBucket/PUT is fast)
# Prints S3 endpoint/keys at the end; also writes them to $CEPH_DIR/data/s3.env
set -euo pipefail

DIR=${CEPH_DIR:?set CEPH_DIR to a scratch directory}
D=$DIR/data
RGW_PORT=${RGW_PORT:-7480}
MON_V2_PORT=${MON_V2_PORT:-3300}
MON_V1_PORT=${MON_V1_PORT:-6789}
S3_ACCESS_KEY=${S3_ACCESS_KEY:-TESTACCESSKEY}
S3_SECRET_KEY=${S3_SECRET_KEY:-TESTSECRETKEY1234567890}
WITH_MGR=${WITH_MGR:-1}
MEMSTORE_BYTES=${MEMSTORE_BYTES:-4294967296}
PRECREATE_POOLS=${PRECREATE_POOLS:-1}
export CEPH_CONF=$D/ceph.conf

T0=$(date +%s.%N)
log() { printf "[%6.2fs] %s\n" "$(awk -v a="$(date +%s.%N)" -v b="$T0" "BEGIN{print a-b}")" "$*"; }
die() { log "ERROR: $*"; for f in "$D"/log/*.log; do [ -f "$f" ] && { echo "--- tail $f"; tail -n 8 "$f"; }; done; exit 1; }
# bounded wait: wait_for <seconds> <description> <command...>
wait_for() { local t=$1 what=$2; shift 2; local end=$(( $(date +%s) + t ));
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$end" ] || die "timeout waiting for $what"; sleep 0.2; done; }
ceph_() { timeout 20 ceph --connect-timeout 15 "$@"; }

for b in monmaptool ceph-mon ceph-osd radosgw radosgw-admin ceph curl; do command -v $b >/dev/null || die "missing $b"; done
[ "$WITH_MGR" = 1 ] && { command -v ceph-mgr >/dev/null || die "missing ceph-mgr (or set WITH_MGR=0)"; }

# refuse to clobber a running cluster
if compgen -G "$D/run/*.pid" >/dev/null; then
  for f in "$D"/run/*.pid; do p=$(cat "$f" 2>/dev/null || true); [ -n "$p" ] && kill -0 "$p" 2>/dev/null && die "already running (pid $p from $f); run stop.sh first"; done
fi
rm -rf "$D"
mkdir -p "$D"/{run,log,crash,mon,mgr/ceph-x,osd,rgw}

FSID=$(cat /proc/sys/kernel/random/uuid)
cat > "$CEPH_CONF" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_V1_PORT]
mon initial members = a
public network = 127.0.0.0/8
ms bind ipv6 = false
# no cephx: throw-away loopback cluster
auth cluster required = none
auth service required = none
auth client required = none
# with auth=none msgr2 must use crc mode (pacific default ms_mon_client_mode=secure -> EACCES, 300s hang)
ms mon client mode = crc
ms mon service mode = crc secure
ms mon cluster mode = crc secure
ms client mode = crc
ms service mode = crc secure
ms cluster mode = crc secure
run dir = $D/run
admin socket = $D/run/\$name.asok
pid file = $D/run/\$name.pid
log file = $D/log/\$name.log
crash dir = $D/crash
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon warn on insecure global id reclaim allowed = false
# the mon otherwise warns (<30%) / shuts down (<5%) on a fullish disk
mon data avail warn = 2
mon data avail crit = 1

[mon]
mon data = $D/mon/\$cluster-\$id
mon cluster log file = $D/log/cluster.log
# commit map changes (pool create etc.) every 10 ms instead of every 1 s
paxos propose interval = 0.01
paxos min wait = 0.01

[mgr]
mgr data = $D/mgr/\$cluster-\$id
mgr initial modules =

[osd]
osd data = $D/osd/\$cluster-\$id
osd objectstore = memstore
memstore device bytes = $MEMSTORE_BYTES

[client.rgw.local]
rgw data = $D/rgw
# tcp_nodelay: without it small GETs take ~40 ms (Nagle + delayed ACK)
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT tcp_nodelay=1
rgw dns name = localhost
rgw enable usage log = false
# reclaim deleted object data quickly (memstore lives in RAM)
rgw gc obj min wait = 60
rgw gc processor period = 60
EOF

# --- monitor
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_V1_PORT]" \
  --enable-all-features --set-min-mon-release pacific "$D/run/monmap" >/dev/null
ceph-mon --mkfs -i a --monmap "$D/run/monmap" || die "ceph-mon --mkfs"
ceph-mon -i a || die "ceph-mon start"            # daemonizes, writes $D/run/mon.a.pid
wait_for 30 "mon quorum" ceph_ mon stat
log "mon up (pid $(cat $D/run/mon.a.pid))"

# --- manager (optional)
if [ "$WITH_MGR" = 1 ]; then
  ceph-mgr -i x || die "ceph-mgr start"
  log "mgr started (pid $(cat $D/run/mgr.x.pid))"
fi

# --- OSD (memstore)
OSD_UUID=$(cat /proc/sys/kernel/random/uuid)
OSD_ID=$(ceph_ osd new "$OSD_UUID") || die "ceph osd new"
mkdir -p "$D/osd/ceph-$OSD_ID"
ceph-osd -i "$OSD_ID" --mkfs --osd-uuid "$OSD_UUID" >"$D/log/osd-mkfs.log" 2>&1 || die "ceph-osd --mkfs"
ceph-osd -i "$OSD_ID" 2>>"$D/log/osd-start.err" || die "ceph-osd start"
osd_up() { local j; j=$(ceph_ osd dump -f json) && [[ $j == *'"up":1'* ]]; }
wait_for 60 "osd up" osd_up
log "osd.$OSD_ID up (pid $(cat $D/run/osd.$OSD_ID.pid))"

# --- radosgw pools: rgw would create these lazily on first bucket/PUT/multipart (1-3 s each)
if [ "$PRECREATE_POOLS" = 1 ]; then
  # one python3-rados process (ships with ceph-common) instead of 14 slow `ceph` CLI calls
  timeout 60 /usr/bin/python3 - "$CEPH_CONF" <<'PY' || die "rgw pool creation"
import json, sys, rados
c = rados.Rados(conffile=sys.argv[1], name="client.admin"); c.connect(timeout=15)
for p in [".rgw.root", "default.rgw.control", "default.rgw.meta", "default.rgw.log",
          "default.rgw.buckets.index", "default.rgw.buckets.data", "default.rgw.buckets.non-ec"]:
    for cmd in ({"prefix": "osd pool create", "pool": p, "pg_num": 8, "pgp_num": 8},
                {"prefix": "osd pool application enable", "pool": p, "app": "rgw"}):
        rc, out, err = c.mon_command(json.dumps(cmd), b"")
        if rc != 0: sys.exit(f"{cmd}: {rc} {err}")
c.shutdown()
PY
  log "rgw pools created"
fi

# --- radosgw (beast, loopback only)
radosgw -n client.rgw.local || die "radosgw start"
rgw_up() { curl -sf -m 2 -o /dev/null "http://127.0.0.1:$RGW_PORT/"; }
wait_for 60 "radosgw http" rgw_up
log "radosgw up on http://127.0.0.1:$RGW_PORT (pid $(cat $D/run/client.rgw.local.pid))"

# --- S3 user with fixed keys
timeout 30 radosgw-admin user create --uid=registry --display-name="registry tests" \
  --access-key="$S3_ACCESS_KEY" --secret-key="$S3_SECRET_KEY" >"$D/log/user-create.json" 2>"$D/log/user-create.err" \
  || die "radosgw-admin user create"
cat > "$D/s3.env" <<EOF
S3_ENDPOINT=http://127.0.0.1:$RGW_PORT
S3_ACCESS_KEY=$S3_ACCESS_KEY
S3_SECRET_KEY=$S3_SECRET_KEY
S3_REGION=us-east-1
CEPH_CONF=$CEPH_CONF
EOF
log "ready: $(tr '\n' ' ' < "$D/s3.env")"
