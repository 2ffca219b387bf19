#!/usr/bin/env bash
# Runs the whole test suite: formatting and build checks, unit tests (*Test) and the socket,
# process, Redis and browser tests (*IT). Installs what the tests need when it is missing (Maven,
# a JDK, redis-server).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

need_apt=()
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jdk-headless)
# The Redis bus is tested against a real redis-server the tests start themselves.
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || need_apt+=(redis-server)
# The browser test drives Debian's Chromium through Debian's chromedriver (WebClientIT).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "test.sh: installing ${need_apt[*]}" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}"
fi

status=0
mvn -B verify "$@" || status=$?

# Netty reports a leaked buffer in the log, not as a failure: any report fails the run.
if grep -rl "LEAK:" target/surefire-reports target/failsafe-reports 2>/dev/null; then
  echo "test.sh: Netty reported a buffer leak (LEAK: in the files above)" >&2
  status=1
fi
exit $status
