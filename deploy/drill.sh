#!/usr/bin/env bash
# deploy/drill.sh: follow the production recipe (docs/ops/deployment.md) once on this machine,
# from a clean clone, and check that it serves. Run by hand, as root, on a Debian machine with
# PostgreSQL on 127.0.0.1:5432 (a role that may create databases), nginx installed
# (apt-get install -y nginx) and no systemd needed:
#
#   deploy/drill.sh [REPOSITORY]        # default: this checkout (commit first: it is cloned)
#   DRILL_KEEP=1 deploy/drill.sh        # leave everything running (the PIDs are in $DRILL_DIR/pids)
#   DRILL_S3=1 deploy/drill.sh          # uploads in object storage: an S3-compatible server
#                                       # (moto's, from this checkout's .venv: make test makes it)
#
# Stand-ins for a real machine, all under $DRILL_DIR (default /tmp/drill), so that nothing else
# on the machine is touched:
#   /opt/renkei/src        -> $D/renkei (the clone)        /opt/renkei/venv -> $D/venv
#   /etc/renkei/renkei.env -> $D/renkei.env                /var/lib/renkei  -> $D/home
#   user renkei            -> nobody (uid 65534)           systemd -> the units' ExecStart lines
#   nginx on 443 (80)      -> 8443 (8080), its own pid, logs and temp files in $D/nginx
# The web processes run with 2 gunicorn workers, and two workers (qcluster) run at once.
set -euo pipefail

REPO=${1:-$(cd "$(dirname "$0")/.." && pwd)}
D=${DRILL_DIR:-/tmp/drill}
PG=${DRILL_PG:-postgres://renkei:renkei@127.0.0.1:5432}
DB=renkei_drill
SITE=https://127.0.0.1:8443
AS_SERVICE=(setpriv --reuid=nobody --regid=nogroup --clear-groups -- env HOME="$D/home")
PIDS=$D/pids

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'DRILL FAILED: %s\n' "$*" >&2; exit 1; }
manage() { "${AS_SERVICE[@]}" env RENKEI_ENV_FILE="$D/renkei.env" RENKEI_VENV="$D/venv" \
    "$D/renkei-manage" "$@"; }
# a unit's ExecStart, continuation lines joined, with the drill's paths
exec_start() {
    sed -e ':a' -e '/\\$/N; s/\\\n//; ta' "$D/renkei/deploy/systemd/$1" |
        sed -n 's/^ExecStart=//p' | sed -e "s|/opt/renkei/venv|$D/venv|g" -e 's/  */ /g'
}
# start a command the way systemd would: as the service user, with the environment file, in
# RENKEI_HOME, in the background; its PID goes to $PIDS
start_service() {
    local name=$1 cmd=$2
    "${AS_SERVICE[@]}" sh -c "set -a; . '$D/renkei.env'; set +a; cd \"\$RENKEI_HOME\"; exec $cmd" \
        >"$D/logs/$name.log" 2>&1 &
    echo "$! $name" >>"$PIDS"
    echo "started $name (pid $!): $cmd"
}
stop_all() {
    [ -f "$PIDS" ] || return 0
    while read -r pid name; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid" && echo "stopped $name (pid $pid)"
        fi
    done <"$PIDS"
    sleep 3
    rm -f "$PIDS"
}

step "0. a clean start (and 3. the database: an empty one)"
if [ -f "$PIDS" ]; then stop_all; fi
rm -rf "$D"
mkdir -p "$D/logs" "$D/nginx/tmp"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"

step "1. the instance's directories (owned by the service user)"
install -d -o nobody -g nogroup -m 0711 "$D/home" "$D/home/var"
install -d -o nobody -g nogroup -m 0750 "$D/home/var/uploads" "$D/home/var/incoming"
install -d -o nobody -g nogroup -m 0755 "$D/home/var/static"

step "2. install a release (a clean clone, a virtual environment, the prod extra)"
git clone -q "$REPO" "$D/renkei"
git -C "$D/renkei" log -1 --format='%h %s'
/usr/bin/python3 -m venv "$D/venv"   # not a per-user Python (pyenv under /root): the service user must reach it
"$D/venv/bin/pip" install -q "$D/renkei[prod]"
"$D/venv/bin/pip" list 2>/dev/null | grep -iE '^(renkei|gunicorn|django|django-q2|psycopg) '
install -m 0755 "$D/renkei/deploy/renkei-manage" "$D/renkei-manage"

step "4. the environment file, from the template"
SECRET=$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')
sed -e "s|^RENKEI_HOME=.*|RENKEI_HOME=$D/home|" \
    -e "s|^RENKEI_SECRET_KEY=.*|RENKEI_SECRET_KEY=$SECRET|" \
    -e "s|^RENKEI_ALLOWED_HOSTS=.*|RENKEI_ALLOWED_HOSTS=127.0.0.1,localhost|" \
    -e "s|^RENKEI_BASE_URL=.*|RENKEI_BASE_URL=$SITE|" \
    -e "s|^DATABASE_URL=.*|DATABASE_URL=$PG/$DB|" \
    -e "s|^RENKEI_EMAIL_HOST=.*|RENKEI_EMAIL_HOST=127.0.0.1|" \
    -e "s|^RENKEI_EMAIL_PORT=.*|RENKEI_EMAIL_PORT=8025|" \
    -e "s|^RENKEI_EMAIL_USE_TLS=.*|RENKEI_EMAIL_USE_TLS=0|" \
    -e "s|^RENKEI_LOG_LEVEL=.*|RENKEI_LOG_LEVEL=INFO|" \
    "$D/renkei/deploy/renkei.env.example" >"$D/renkei.env"
if [ "${DRILL_S3:-0}" = 1 ]; then
    # the object store: moto's S3-compatible server on 127.0.0.1:9000 stands in for the real one
    MOTO=$REPO/.venv/bin/moto_server
    [ -x "$MOTO" ] || fail "DRILL_S3=1 needs $MOTO (run make test once in $REPO)"
    "$MOTO" -H 127.0.0.1 -p 9000 >"$D/logs/s3.log" 2>&1 &
    echo "$! s3" >>"$PIDS"
    for _ in $(seq 30); do curl -sf -o /dev/null http://127.0.0.1:9000/ && break; sleep 1; done
    AWS_ACCESS_KEY_ID=drill AWS_SECRET_ACCESS_KEY=drill-secret "$D/venv/bin/python" -c \
        "import boto3; boto3.client('s3', endpoint_url='http://127.0.0.1:9000', \
region_name='us-east-1').create_bucket(Bucket='renkei-drill')"
    sed -i -e "s|^RENKEI_STORAGE=.*|RENKEI_STORAGE=s3|" \
        -e "s|^# RENKEI_S3_BUCKET=.*|RENKEI_S3_BUCKET=renkei-drill|" \
        -e "s|^# RENKEI_S3_ENDPOINT_URL=.*|RENKEI_S3_ENDPOINT_URL=http://127.0.0.1:9000|" \
        -e "s|^# RENKEI_S3_REGION=.*|RENKEI_S3_REGION=us-east-1|" \
        -e "s|^# RENKEI_S3_PREFIX=.*|RENKEI_S3_PREFIX=live|" \
        -e "s|^# AWS_ACCESS_KEY_ID=.*|AWS_ACCESS_KEY_ID=drill|" \
        -e "s|^# AWS_SECRET_ACCESS_KEY=.*|AWS_SECRET_ACCESS_KEY=drill-secret|" "$D/renkei.env"
    grep -E '^(RENKEI_STORAGE|RENKEI_S3_)' "$D/renkei.env"
fi
chgrp nogroup "$D/renkei.env" && chmod 0640 "$D/renkei.env"
diff "$D/renkei/deploy/renkei.env.example" "$D/renkei.env" | grep '^>' | sed 's/SECRET_KEY=.*/SECRET_KEY=<generated>/' || true

step "5. once per release: migrate, schedule the reminders, check; collect the static files"
manage migrate --noinput | tail -3
manage renkei_reminders
manage renkei_issuance_reminders
manage c3p_activity_reminders
manage check --deploy --fail-level WARNING
manage collectstatic --noinput
DJANGO_SUPERUSER_PASSWORD=drill-Password-2026 manage createsuperuser --noinput \
    --username drilladmin --email drill@example.org

step "units: systemd-analyze verify (paths pointed at the drill)"
if command -v systemd-analyze >/dev/null; then
    for unit in renkei-web.service renkei-worker.service; do
        sed -e "s|/opt/renkei/venv|$D/venv|g" -e "s|/etc/renkei/renkei.env|$D/renkei.env|" \
            -e "s|/var/lib/renkei|$D/home|g" -e 's/^User=renkei/User=nobody/' \
            -e 's/^Group=renkei/Group=nogroup/' "$D/renkei/deploy/systemd/$unit" >"$D/$unit"
        systemd-analyze verify "$D/$unit" && echo "$unit: verified"
    done
fi

step "e-mail: a local SMTP server that prints what it receives (the template's SMTP backend)"
/usr/bin/python3 -u -W ignore -m smtpd -n -c DebuggingServer 127.0.0.1:8025 >"$D/logs/smtp.log" 2>&1 &
echo "$! smtp" >>"$PIDS"
sleep 1
manage sendtestemail drill@example.org
sleep 1
grep -m1 'Subject:' "$D/logs/smtp.log" || fail "the test e-mail did not reach the SMTP server"

step "6. the web processes: the unit's ExecStart with 2 workers"
WEB=$(exec_start renkei-web.service | sed 's/--workers [0-9]*/--workers 2/')
start_service web "$WEB"

step "7. two workers at once"
WORKER=$(exec_start renkei-worker.service)
start_service worker1 "$WORKER"
start_service worker2 "$WORKER"

step "8. nginx with a self-signed certificate, the recipe's renkei.conf"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$D/nginx/privkey.pem" \
    -out "$D/nginx/fullchain.pem" 2>/dev/null
# the edits the recipe asks for (name, certificate, static path), and the drill's ports
sed -e 's/renkei\.example\.org/127.0.0.1/g' \
    -e "s|/etc/ssl/renkei/|$D/nginx/|g" \
    -e "s|/var/lib/renkei/var/static/|$D/home/var/static/|" \
    -e 's/listen 443 ssl;/listen 8443 ssl;/' -e 's/listen \[::\]:443 ssl;/listen [::]:8443 ssl;/' \
    -e 's/listen 80;/listen 8080;/' -e 's/listen \[::\]:80;/listen [::]:8080;/' \
    "$D/renkei/deploy/nginx/renkei.conf" >"$D/nginx/renkei.conf"
cat >"$D/nginx/nginx.conf" <<EOF
user nobody nogroup;
worker_processes 1;
pid $D/nginx/nginx.pid;
error_log $D/nginx/error.log;
events { worker_connections 64; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log $D/nginx/access.log;
    client_body_temp_path $D/nginx/tmp/body;
    proxy_temp_path $D/nginx/tmp/proxy;
    fastcgi_temp_path $D/nginx/tmp/fastcgi;
    uwsgi_temp_path $D/nginx/tmp/uwsgi;
    scgi_temp_path $D/nginx/tmp/scgi;
    include $D/nginx/renkei.conf;
}
EOF
nginx -t -c "$D/nginx/nginx.conf" -g 'daemon off;' 2>&1 | tail -1
nginx -c "$D/nginx/nginx.conf" -g 'daemon off;' >"$D/logs/nginx.log" 2>&1 &
echo "$! nginx" >>"$PIDS"
echo "started nginx (pid $!)"

step "9. checks"
for _ in $(seq 60); do curl -ksf "$SITE/api/health" >/dev/null && break; sleep 1; done
echo "--- health over HTTPS"
curl -ksS "$SITE/api/health"; echo
echo "--- readiness over HTTPS (database, storage probe, worker) and one JSON request line"
ready=$(curl -ksS -w ' %{http_code}' "$SITE/healthz")
echo "$ready"
case "$ready" in *" 200") ;; *) fail "readiness is not 200: $ready" ;; esac
grep -m1 'renkei.request' "$D/logs/web.log" | cut -c1-200 ||
    fail "no JSON request line in the web log"
echo "--- the log-in page over HTTPS: status, HSTS, secure cookie"
curl -ksS -D "$D/login.headers" -o "$D/login.html" -c "$D/cookies" "$SITE/accounts/login/"
grep -iE '^(HTTP|strict-transport-security|set-cookie|content-security-policy)' "$D/login.headers" |
    cut -c1-150
grep -qi '^set-cookie: csrftoken=.*; secure' "$D/login.headers" || fail "the CSRF cookie is not Secure"
grep -qi '^strict-transport-security: max-age=31536000' "$D/login.headers" || fail "no HSTS"
echo "--- a static file, served by nginx from STATIC_ROOT"
curl -ksS -D - -o "$D/renkei.css" "$SITE/static/css/renkei.css" | grep -iE '^(HTTP|content-type|server|cache-control)'
cmp "$D/renkei.css" "$D/home/var/static/css/renkei.css" && echo "identical to STATIC_ROOT/css/renkei.css"
echo "--- log in (POST with the CSRF token)"
TOKEN=$(sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' "$D/login.html" | head -1)
curl -ksS -o /dev/null -D "$D/post.headers" -b "$D/cookies" -c "$D/cookies" \
    -H "Referer: $SITE/accounts/login/" \
    --data-urlencode "csrfmiddlewaretoken=$TOKEN" --data-urlencode "username=drilladmin" \
    --data-urlencode "password=drill-Password-2026" "$SITE/accounts/login/"
grep -iE '^(HTTP|location|set-cookie: sessionid)' "$D/post.headers" | cut -c1-150
grep -qi '^set-cookie: sessionid=.*; secure' "$D/post.headers" || fail "log-in gave no secure session"
curl -ksS -b "$D/cookies" "$SITE/" | grep -o 'drilladmin' | head -1 ||
    fail "the home page does not show the logged-in user"
echo "--- plain HTTP straight to gunicorn (no proxy header) is redirected to HTTPS"
curl -sS -o /dev/null -w '%{http_code} %{redirect_url}\n' -H 'Host: 127.0.0.1' http://127.0.0.1:8001/accounts/login/
echo "--- an upload over the limit is refused by nginx with its page"
head -c $((22 * 1024 * 1024)) /dev/zero >"$D/big.bin"
curl -ksS -o /dev/null -w '%{http_code}\n' -b "$D/cookies" -F "file=@$D/big.bin" "$SITE/proposals/"
echo "--- wrong passwords from one client (127.0.0.2) do not lock out another (127.0.0.3)"
post_login() { # source address, login, password: prints the status of the log-in POST
    local jar="$D/cookies.$1" token
    token=$(curl -ksS --interface "$1" -c "$jar" "$SITE/accounts/login/" |
        sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -1)
    curl -ksS --interface "$1" -o /dev/null -w '%{http_code}' -b "$jar" \
        -H "Referer: $SITE/accounts/login/" --data-urlencode "csrfmiddlewaretoken=$token" \
        --data-urlencode "username=$2" --data-urlencode "password=$3" "$SITE/accounts/login/"
}
for n in $(seq 11); do printf '%s ' "$(post_login 127.0.0.2 "guess$n@example.org" wrong)"; done
echo "(127.0.0.2: 200 = wrong password, 429 = locked out)"
status=$(post_login 127.0.0.3 drilladmin drill-Password-2026)
echo "127.0.0.3 with the right password: $status"
[ "$status" = 302 ] || fail "another client was locked out (RENKEI_PROXY_COUNT / X-Forwarded-For)"
psql "$PG/$DB" -c "SELECT ip_address, count(*), max(failures_since_start) AS failures FROM axes_accessattempt GROUP BY ip_address"
echo "--- the workers run the scheduled reminder job, once"
for _ in $(seq 120); do
    n=$(psql "$PG/$DB" -tAc "SELECT count(*) FROM django_q_task WHERE \"group\" = 'renkei.grants: due-date reminders'")
    [ "$n" -ge 1 ] && break
    sleep 1
done
psql "$PG/$DB" -c "SELECT name, func, success, started, stopped FROM django_q_task WHERE \"group\" = 'renkei.grants: due-date reminders'"
psql "$PG/$DB" -c "SELECT name, next_run FROM django_q_schedule"
# django-q logs at WARNING and above (docs/ops/logs.md): a quiet worker log is a healthy one
grep -H -iE 'schedule|processed|renkei' "$D/logs/worker1.log" "$D/logs/worker2.log" | cut -c1-200 |
    head -12 || echo "(nothing in the workers' logs at WARNING and above)"

step "10. a backup, restored into a scratch database and storage, verified"
manage shell -c "from django.core.files.base import ContentFile; from django.core.files.storage \
import default_storage as s; print('stored', s.save('drill/見本.txt', ContentFile('drill'.encode())))"
manage renkei_backup --output "$D/home/backup.tar.gz"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS ${DB}_restore" -c "CREATE DATABASE ${DB}_restore"
mkdir -p "$D/restore" && chown nobody:nogroup "$D/restore"
"${AS_SERVICE[@]}" sh -c "set -a; . '$D/renkei.env'; set +a; \
    DATABASE_URL='$PG/${DB}_restore' RENKEI_UPLOAD_DIR='$D/restore/uploads' RENKEI_S3_PREFIX=restore \
    '$D/venv/bin/django-admin' renkei_restore '$D/home/backup.tar.gz'" ||
    fail "the backup did not restore"
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS ${DB}_restore"

step "the end"
if [ "${DRILL_KEEP:-0}" = 1 ]; then
    echo "left running (DRILL_KEEP=1): $(tr '\n' ' ' <"$PIDS")"
else
    stop_all
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $DB"
fi
echo "DRILL PASSED"
