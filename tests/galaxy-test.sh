#!/usr/bin/env bash
# `make galaxy-test`: lint galaxy/ with planemo, then start a real Galaxy server (installed from PyPI into its own
# virtualenv, .venv-galaxy) on loopback, run every tool test in galaxy/ with galaxy-tool-test, and stop it. The tests
# read galaxy/test-data (links into test-data/, as the Tool Shed gets them) and its built-in genomes
# (galaxy/tool_data_table_conf.xml.test).
# The genotools commands come from .venv (make install). Exits non-zero when a lint warning or a test fails.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
GALAXY=26.1.1
PLANEMO=0.75.47
VENV=$ROOT/.venv-galaxy
start=$SECONDS

if [ ! -f "$VENV/.installed-$GALAXY-$PLANEMO" ]; then
    echo "galaxy-test: installing galaxy $GALAXY and planemo $PLANEMO into $VENV (a few minutes)"
    python3 -m venv "$VENV"
    # One resolver run for both, so that planemo's dependencies keep Galaxy's pins.
    "$VENV/bin/pip" install --quiet "galaxy==$GALAXY" "planemo==$PLANEMO" > "$VENV/pip.log" 2>&1 \
        || { tail -n 40 "$VENV/pip.log"; exit 1; }
    touch "$VENV/.installed-$GALAXY-$PLANEMO"
fi

echo "galaxy-test: planemo lint galaxy/"
"$VENV/bin/planemo" lint --fail_level warn galaxy/ > "$VENV/lint.log" 2>&1 || { cat "$VENV/lint.log"; exit 1; }

WORK=$(mktemp -d)
SERVER=
stop() {
    if [ -n "$SERVER" ]; then  # the server's process group: gunicorn and the jobs it runs
        kill -- -"$SERVER" 2> /dev/null || true
        wait "$SERVER" 2> /dev/null || true
    fi
    rm -rf "$WORK"
}
trap stop EXIT

# The tool panel: every tool XML in galaxy/ (macros.xml is not a tool).
tools=()
for xml in galaxy/*.xml; do
    [ "$(basename "$xml")" = macros.xml ] || tools+=("$ROOT/$xml")
done
{
    echo '<toolbox>'
    echo '  <section id="genotools" name="genotools">'
    for xml in "${tools[@]}"; do echo "    <tool file=\"$xml\"/>"; done
    echo '  </section>'
    echo '</toolbox>'
} > "$WORK/tool_conf.xml"

KEY=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT
cat > "$WORK/galaxy.yml" <<EOF
galaxy:
  database_connection: sqlite:///$WORK/universe.sqlite?isolation_level=IMMEDIATE&timeout=120
  file_path: $WORK/objects
  data_dir: $WORK/data
  tool_config_file: $WORK/tool_conf.xml
  conda_auto_init: false
  conda_auto_install: false
  bootstrap_admin_api_key: $KEY
  admin_users: admin@example.org
  watch_tools: false
  tool_data_table_config_path: $ROOT/galaxy/tool_data_table_conf.xml.test
EOF

echo "galaxy-test: starting Galaxy $GALAXY on $URL"
# Gravity, Galaxy's process manager, refuses to run as root (as in CI): start the web app with gunicorn directly.
# Galaxy's venv comes first on PATH (the upload job runs its python), then the genotools commands.
GALAXY_CONFIG_FILE=$WORK/galaxy.yml GALAXY_VIRTUAL_ENV=$VENV PATH="$VENV/bin:$ROOT/.venv/bin:$PATH" \
    setsid "$VENV/bin/gunicorn" 'galaxy.webapps.galaxy.fast_factory:factory()' -k galaxy.webapps.galaxy.workers.Worker \
    -b "127.0.0.1:$PORT" --workers=1 --config python:galaxy.web_stack.gunicorn_config --preload \
    > "$WORK/galaxy.log" 2>&1 &
SERVER=$!
for _ in $(seq 300); do
    curl -sf "$URL/api/version" > /dev/null && break
    kill -0 "$SERVER" 2> /dev/null || { tail -n 40 "$WORK/galaxy.log"; echo "galaxy-test: Galaxy exited"; exit 1; }
    sleep 1
done
curl -sf "$URL/api/version" > /dev/null || { tail -n 40 "$WORK/galaxy.log"; echo "galaxy-test: no answer"; exit 1; }
echo "galaxy-test: Galaxy ready after $((SECONDS - start)) s"

# All tests at once: most of their time is Galaxy uploading inputs and setting metadata, in parallel jobs.
# GALAXY_TEST_DEFAULT_WAIT bounds the wait for a job (in seconds, about), so that a hung tool fails the run.
# SQLite waits up to 120 s for a lock (its default, 5 s, failed jobs with "database is locked" on a loaded
# machine). One retry besides, for what else a loaded machine may do; a tool that fails its test fails the retry
# too. Retried tests are listed below, so that flakiness stays visible. --with-reference-data: run the tests that
# take a built-in genome (the server has the test data table), which galaxy-tool-test skips otherwise.
GALAXY_TEST_DEFAULT_WAIT=900 "$VENV/bin/galaxy-tool-test" -u "$URL" -a "$KEY" --test-data "$ROOT/galaxy/test-data" \
    --with-reference-data --parallel-tests 4 --retries 1 -j "$WORK/results.json" > "$WORK/tool-test.log" 2>&1 || true
grep -E "WARNING - Test '.*' failed|tool_id: .*exit_code" "$WORK/tool-test.log" | sed 's/^/galaxy-test: retried: /' || true
# Every <test> of every tool must be in the report and have passed (a tool that did not load has none there).
if ! "$VENV/bin/python" - "$WORK/results.json" "${tools[@]}" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
try:
    results = json.load(open(sys.argv[1]))["tests"]
except (OSError, ValueError, KeyError):
    results = []
failed = False
for path in sys.argv[2:]:
    tool = ET.parse(path).getroot()
    expected = len(tool.findall("tests/test"))
    ran = [test["data"]["status"] for test in results if test["data"]["tool_id"] == tool.get("id")]
    print(f"galaxy-test: {tool.get('id')}: {ran.count('success')} of {expected} tests passed")
    failed |= ran.count("success") != expected or len(ran) != expected
sys.exit(failed)
EOF
then
    tail -n 80 "$WORK/tool-test.log"
    echo "galaxy-test: the server's errors:"
    grep -E -A8 "ERROR|Traceback" "$WORK/galaxy.log" | tail -n 80 || true
    echo "galaxy-test: failed after $((SECONDS - start)) s"
    exit 1
fi
echo "galaxy-test: every Galaxy tool test passed in $((SECONDS - start)) s"
