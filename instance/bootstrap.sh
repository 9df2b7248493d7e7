#!/bin/bash
# cloud-annex-bootstrap: joins this EC2 instance to its annex; see instance/README.md.
# Installed as annex-agent: `annex-agent heartbeat` sends one heartbeat. Prints no secret.
set -euo pipefail
umask 077

API_URL_DEFAULT='@@API_URL@@'
BOOT_GRACE_DEFAULT='@@BOOT_GRACE_SECONDS@@'
# The proof: sts:GetCallerIdentity signed for the service's STS endpoint and deployment.
STS_URL='@@STS_URL@@'
STS_REGION='@@STS_REGION@@'
SERVER_ID='@@SERVER_ID@@'

ROOT=${ANNEX_ROOT:-/}
ROOT=${ROOT%/}
API_URL=${ANNEX_API_URL:-$API_URL_DEFAULT}
IMDS_URL=${ANNEX_IMDS_URL:-http://169.254.169.254}
BOOT_GRACE=${ANNEX_BOOT_GRACE_SECONDS:-$BOOT_GRACE_DEFAULT}
BACKOFF_MS=${ANNEX_BACKOFF_INITIAL_MS:-2000}
BACKOFF_MAX_MS=${ANNEX_BACKOFF_MAX_MS:-60000}
HTTP_TIMEOUT=${ANNEX_HTTP_TIMEOUT_SECONDS:-10}
HEARTBEAT_SECONDS=${ANNEX_HEARTBEAT_SECONDS:-}

CONDOR_DIR=$ROOT/etc/condor
STATE=$ROOT/var/lib/cloud-annex
AGENT=/usr/local/libexec/cloud-annex/annex-agent
UNITS=$ROOT/etc/systemd/system
TIMER=cloud-annex-heartbeat
STAGING=''
POWERING_OFF=no

log() { printf 'cloud-annex: %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}
now_s() { date +%s; }
now_ms() { date +%s%3N; }
uint() { [[ $1 =~ ^[0-9]+$ ]]; }
host() { hostname -f 2>/dev/null || hostname; }

power_off() {
  POWERING_OFF=yes
  log "powering off: $1"
  shutdown -P now "cloud-annex: $1"
}

# A failed boot powers the instance off: an instance that cannot join only costs money.
finish() {
  local rc=$?
  if [[ -n $STAGING ]]; then rm -rf "$STAGING"; fi
  if ((rc != 0)) && [[ $MODE == boot && $POWERING_OFF == no ]]; then power_off "bootstrap failed"; fi
}

# A curl config line: secrets reach curl on stdin (-K -), never on a command line.
cfg() {
  local v=${2//\\/\\\\}
  printf '%s = "%s"\n' "$1" "${v//\"/\\\"}"
}

# http METHOD OUT [BODY] < curl config -> prints the HTTP status (000: no answer).
http() {
  local a=(-sS -X "$1" -o "$2" -w '%{http_code}' --connect-timeout 5 --max-time "$HTTP_TIMEOUT" -K -)
  if [[ -n ${3:-} ]]; then a+=(-H 'Content-Type: application/json' --data-binary "@$3"); fi
  curl "${a[@]}" 2>/dev/null || true
}

# fields FILE KEY... -> JSON values on one line; nothing if one is missing or spaced.
fields() {
  python3 -I -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
v = [str(d.get(k, "")) for k in sys.argv[2:]]
if all(x and x.isprintable() and " " not in x for x in v): print(*v)' "$@" 2>/dev/null || true
}

block_imds() {
  local rule=(OUTPUT -d 169.254.169.254 -m owner ! --uid-owner 0 -j REJECT)
  iptables -w -C "${rule[@]}" 2>/dev/null || iptables -w -I "${rule[@]}"
}

# Arms a one-shot power-off at the lease end (epoch s); re-arms when the lease changed.
arm_poweroff() {
  local lease=$1 left unit old=''
  left=$((lease - $(now_s)))
  if ((left <= 0)); then
    power_off "the lease has ended"
    exit 0
  fi
  unit=cloud-annex-lease-$lease
  if [[ -f $STATE/lease-unit ]]; then old=$(<"$STATE/lease-unit"); fi
  [[ $old != "$unit" ]] || return 0
  systemd-run --unit="$unit" --on-active="${left}s" --timer-property=AccuracySec=1s \
    "$(command -v shutdown)" -P now "cloud-annex: the lease has ended" >/dev/null
  echo "$unit" >"$STATE/lease-unit"
  echo "$lease" >"$STATE/lease-expires"
  if [[ -n $old ]]; then systemctl stop "$old.timer" >/dev/null 2>&1 || true; fi
  log "power-off armed for the lease end, $(date -u -d "@$lease" +%FT%TZ) (in ${left}s)"
}

# imds PATH OUT -> HTTP status; an IMDSv2 session token first.
imds() {
  local t
  t=$({
    cfg url "$IMDS_URL/latest/api/token"
    cfg header 'X-aws-ec2-metadata-token-ttl-seconds: 300'
  } | curl -sSf -X PUT --connect-timeout 2 --max-time "$HTTP_TIMEOUT" -K - 2>/dev/null) || t=''
  {
    cfg url "$IMDS_URL$1"
    cfg header "X-aws-ec2-metadata-token: $t"
  } | http GET "$2"
}

# sign_proof CREDENTIALS OUT: SigV4-signs sts:GetCallerIdentity with the instance-profile
# credentials (a file: no secret on a command line), the server id among the signed headers,
# and writes the parts POST /bootstrap takes (Vault's `iam` login: method, URL, headers, body).
sign_proof() {
  python3 -I -c 'import base64, hashlib, hmac, json, sys, time, urllib.parse
creds, url, region, server, now = sys.argv[1:6]
c = json.load(open(creds, encoding="utf-8"))
amz = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(int(now)))
body = "Action=GetCallerIdentity&Version=2011-06-15"
u = urllib.parse.urlsplit(url)
h = {"content-type": "application/x-www-form-urlencoded; charset=utf-8", "host": u.netloc,
     "x-amz-date": amz, "x-amz-security-token": c["Token"], "x-annex-server-id": server}
names = sorted(h)
sha = lambda s: hashlib.sha256(s.encode()).hexdigest()
canonical = "\n".join(["POST", u.path or "/", "", "".join(k + ":" + h[k] + "\n" for k in names),
                       ";".join(names), sha(body)])
scope = amz[:8] + "/" + region + "/sts/aws4_request"
key = ("AWS4" + c["SecretAccessKey"]).encode()
for part in (amz[:8], region, "sts", "aws4_request"):
    key = hmac.new(key, part.encode(), hashlib.sha256).digest()
text = "\n".join(["AWS4-HMAC-SHA256", amz, scope, sha(canonical)])
h["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (
    c["AccessKeyId"], scope, ";".join(names), hmac.new(key, text.encode(), hashlib.sha256).hexdigest())
b64 = lambda s: base64.b64encode(s.encode()).decode()
print(json.dumps({"iamHttpRequestMethod": "POST", "iamRequestUrl": b64(url),
                  "iamRequestHeaders": b64(json.dumps(h)), "iamRequestBody": b64(body)}))' \
    "$1" "$STS_URL" "$STS_REGION" "$SERVER_ID" "$(now_s)" >"$2"
}

# proof OUT: the instance role's credentials from IMDS, signed into a proof.
proof() {
  local s role roles=$STATE/roles creds=$STATE/credentials.json
  s=$(imds /latest/meta-data/iam/security-credentials/ "$roles")
  [[ $s == 200 ]] || { log "instance role: HTTP $s (launched without our instance profile?)" && return 1; }
  role=$(head -n 1 "$roles")
  rm -f "$roles"
  [[ $role =~ ^[A-Za-z0-9+=,.@_-]{1,64}$ ]] || { log "instance role: malformed name" && return 1; }
  s=$(imds "/latest/meta-data/iam/security-credentials/$role" "$creds")
  [[ $s == 200 ]] || { rm -f "$creds" && log "role credentials: HTTP $s" && return 1; }
  sign_proof "$creds" "$1" || { rm -f "$creds" && log "could not sign the proof" && return 1; }
  rm -f "$creds"
}

# One attempt: proof -> POST /bootstrap -> bundle. A condition: errexit is off here.
try_bootstrap() {
  local s req=$STATE/boot.req resp=$STATE/boot.resp
  local annex='' id='' token='' url='' lease='' every='' ok='^https?://[^[:space:]"\\]+$'
  proof "$req" || { rm -f "$req" && return 1; }
  s=$(cfg url "$API_URL/bootstrap" | http POST "$resp" "$req")
  if [[ $s == 200 ]]; then
    read -r annex id token url lease every < <(fields "$resp" annexId instanceId heartbeatToken \
      configUrl leaseExpiresAtEpoch heartbeatIntervalSeconds)
  fi
  rm -f "$req" "$resp"
  [[ $s == 200 ]] || { log "bootstrap: HTTP $s" && return 1; }
  if ! [[ $annex =~ ^[A-Za-z0-9_-]+$ && $id =~ ^i-[0-9a-f]+$ && $url =~ $ok &&
    $token =~ ^[A-Za-z0-9._~+/=:-]+$ && $lease =~ ^[0-9]+$ && $every =~ ^[1-9][0-9]*$ ]]; then
    log "bootstrap: malformed answer"
    return 1
  fi
  s=$(cfg url "$url" | http GET "$STATE/bundle.tar.gz")
  [[ $s == 200 ]] || { log "config bundle: HTTP $s" && return 1; }
  echo "$annex" >"$STATE/annex-id"
  echo "$id" >"$STATE/instance-id"
  echo "$API_URL" >"$STATE/api-url"
  echo "${HEARTBEAT_SECONDS:-$every}" >"$STATE/heartbeat-seconds"
  echo "$lease" >"$STATE/boot-lease"
  cfg header "Authorization: Bearer $token" >"$STATE/heartbeat.curl"
}

# put_dir SRC DEST DIRMODE FILEMODE: a bundle folder's files into an HTCondor folder.
put_dir() {
  local f
  [[ -d $1 ]] || die "the config bundle's ${1##*/} is not a folder"
  install -d -m "$3" "$2"
  chmod "$3" "$2"
  for f in "$1"/*; do
    [[ -e $f ]] || continue
    [[ -f $f ]] || die "the config bundle nests folders"
    install -m "$4" "$f" "$2/${f##*/}"
  done
}

install_bundle() {
  local e
  STAGING=$(mktemp -d "$STATE/bundle.XXXXXX")
  tar -xzf "$STATE/bundle.tar.gz" -C "$STAGING" --no-same-owner --no-same-permissions ||
    die "the config bundle is not a readable tar.gz"
  rm -f "$STATE/bundle.tar.gz"
  [[ -z $(find "$STAGING" -mindepth 1 ! -type f ! -type d -print -quit) ]] ||
    die "the config bundle holds links or special files"
  [[ -d $STAGING/config.d ]] || die "the config bundle has no config.d"
  install -d -m 0755 "$CONDOR_DIR"
  for e in "$STAGING"/*; do
    case ${e##*/} in
    config.d) put_dir "$e" "$CONDOR_DIR/config.d" 0755 0644 ;;
    passwords.d | tokens.d) put_dir "$e" "$CONDOR_DIR/${e##*/}" 0700 0600 ;;
    annex) put_dir "$e" "$CONDOR_DIR/annex" 0755 0755 ;;
    *) die "unexpected entry in the config bundle" ;;
    esac
  done
  rm -rf "$STAGING"
  STAGING=''
  log "HTCondor configuration installed"
}

install_agent() {
  local every
  every=$(<"$STATE/heartbeat-seconds")
  install -D -m 0700 "${BASH_SOURCE[0]}" "$ROOT$AGENT"
  install -d -m 0755 "$UNITS"
  printf '%s\n' '[Unit]' 'Description=cloud-annex heartbeat' 'After=network-online.target' \
    '[Service]' 'Type=oneshot' "ExecStart=$AGENT heartbeat" >"$UNITS/$TIMER.service"
  printf '%s\n' '[Unit]' 'Description=cloud-annex heartbeat timer' '[Timer]' \
    "OnActiveSec=${every}s" "OnUnitActiveSec=${every}s" 'AccuracySec=1s' \
    '[Install]' 'WantedBy=timers.target' >"$UNITS/$TIMER.timer"
  chmod 0644 "$UNITS/$TIMER.service" "$UNITS/$TIMER.timer"
  systemctl daemon-reload
  systemctl enable --now "$TIMER.timer"
}

boot() {
  [[ "$API_URL$BOOT_GRACE$STS_URL$STS_REGION$SERVER_ID" != *@@* ]] || die "this script was not rendered"
  if ! { uint "$BOOT_GRACE" && uint "$BACKOFF_MS" && uint "$BACKOFF_MAX_MS"; }; then die "bad timing"; fi
  [[ -f ${BASH_SOURCE[0]} ]] || die "run this script from a file"
  API_URL=${API_URL%/}
  install -d -m 0700 "$STATE"
  block_imds
  local deadline delay=$BACKOFF_MS left
  deadline=$(($(now_ms) + BOOT_GRACE * 1000))
  until try_bootstrap; do
    left=$((deadline - $(now_ms)))
    if ((left <= 0)); then
      power_off "no bootstrap within the boot grace (${BOOT_GRACE}s)"
      exit 1
    fi
    ((delay < left)) || delay=$left
    log "bootstrap: retrying in ${delay}ms"
    sleep "$((delay / 1000)).$(printf '%03d' $((delay % 1000)))"
    delay=$((delay * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : delay * 2))
  done
  log "bootstrapped: instance $(<"$STATE/instance-id"), annex $(<"$STATE/annex-id")"
  install_bundle
  arm_poweroff "$(<"$STATE/boot-lease")"
  install_agent
  systemctl enable --now --no-block condor
  "$ROOT$AGENT" heartbeat || log "first heartbeat failed; the timer retries"
}

# What this instance's metadata warns of: a spot interruption, else a rebalance recommendation.
interruption_warning() {
  local out=$STATE/imds.out
  if [[ $(imds /latest/meta-data/spot/instance-action "$out") == 200 ]]; then
    echo spot-interruption
  elif [[ $(imds /latest/meta-data/events/recommendations/rebalance "$out") == 200 ]]; then
    echo rebalance-recommendation
  fi
  rm -f "$out"
}

heartbeat() {
  [[ -f $STATE/heartbeat.curl ]] || die "not bootstrapped"
  local slots total=0 busy=0 state=idle s lease='' says='' warning resp=$STATE/heartbeat.resp
  if slots=$(condor_status -startd -direct "$(host)" -af State 2>/dev/null); then
    total=$(grep -c . <<<"$slots" || true)
    busy=$(grep -c '^Claimed' <<<"$slots" || true)
  fi
  ((busy == 0)) || state=busy
  warning=$(interruption_warning)
  printf '{"annexId":"%s","instanceId":"%s","state":"%s","slots":{"total":%d,"claimed":%d}%s}\n' \
    "$(<"$STATE/annex-id")" "$(<"$STATE/instance-id")" "$state" "$total" "$busy" \
    "${warning:+,\"interruption\":\"$warning\"}" >"$STATE/heartbeat.req"
  s=$({
    cat "$STATE/heartbeat.curl"
    cfg url "$(<"$STATE/api-url")/heartbeat"
  } | http POST "$resp" "$STATE/heartbeat.req")
  if [[ $s == 200 ]]; then read -r lease says < <(fields "$resp" leaseExpiresAtEpoch instruction) || true; fi
  rm -f "$resp"
  if [[ $s != 200 ]]; then
    if (($(now_s) >= $(<"$STATE/lease-expires"))); then power_off "the lease has ended"; fi
    die "heartbeat ($state): HTTP $s"
  fi
  uint "$lease" || die "heartbeat: malformed answer"
  arm_poweroff "$lease"
  case $says in
  stop) power_off "the service asked this instance to stop" ;;
  drain)
    [[ ! -f $STATE/draining ]] || return 0
    log "draining, as the service asked"
    condor_drain -graceful "$(host)" || condor_off -peaceful -startd
    : >"$STATE/draining"
    ;;
  continue) ;;
  *) log "heartbeat: unknown instruction ignored" ;;
  esac
}

MODE=${1:-boot}
trap finish EXIT
case $MODE in
boot) boot ;;
heartbeat) heartbeat ;;
*) die "usage: ${0##*/} [boot|heartbeat]" ;;
esac
