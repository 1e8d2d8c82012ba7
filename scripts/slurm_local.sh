#!/usr/bin/env bash
# A one-node SLURM cluster on this machine, for the `cluster` tests (pytest -m cluster) and CI.
# Debian 12 (bookworm), as root, without systemd; adapted from shared/docs/slurm-local.md.
#
#   bash scripts/slurm_local.sh start   # apt-get install if needed, then start munged, mariadbd,
#                                       # slurmdbd, slurmctld and slurmd; wait until the node is idle
#   bash scripts/slurm_local.sh stop    # stop exactly the daemons `start` started (recorded PIDs)
#   bash scripts/slurm_local.sh status  # the recorded daemons and whether each still runs
#
# Accounting (slurmdbd + MariaDB) is on by default (WITH_ACCOUNTING=1): submitit polls `sacct`
# for the state of jobs, and without it a job killed before it writes its result (scancel, time
# limit, memory) is never seen as finished, so the Hydra sweep waits forever.
# The cluster: ClusterName $CLUSTER (localci), one partition `debug` with this machine's cores.
set -euo pipefail
WITH_ACCOUNTING=${WITH_ACCOUNTING:-1}
CLUSTER=${CLUSTER:-localci}
PIDS=${SLURM_LOCAL_PIDS:-/run/slurm-local.pids}
LOG=/var/log/slurm

wait_for() { # wait_for <tries> <sleep> <cmd...>
  local n=$1 s=$2; shift 2
  for _ in $(seq 1 "$n"); do "$@" >/dev/null 2>&1 && return 0; sleep "$s"; done
  echo "slurm_local: timeout waiting for: $*" >&2; return 1
}

alive() { # alive <name> <pid>: the pid runs and is still that daemon (not a reused pid)
  [ -r "/proc/$2/comm" ] && [ "$(cat "/proc/$2/comm")" = "$1" ]
}

stop() {
  [ -f "$PIDS" ] || { echo "slurm_local: nothing to stop"; return 0; }
  tac "$PIDS" | while read -r name pid; do          # reverse start order
    if alive "$name" "$pid"; then
      kill "$pid" && echo "slurm_local: stopped $name ($pid)"
      for _ in $(seq 1 60); do alive "$name" "$pid" || break; sleep 0.25; done
      if alive "$name" "$pid"; then kill -9 "$pid"; echo "slurm_local: killed $name ($pid)"; fi
    fi
  done
  rm -f "$PIDS"
}

status() {
  [ -f "$PIDS" ] || { echo "slurm_local: not started"; return 1; }
  local rc=0
  while read -r name pid; do
    if alive "$name" "$pid"; then echo "$name $pid running"; else echo "$name $pid gone"; rc=1; fi
  done < "$PIDS"
  return $rc
}

record() { # record <name> <pidfile>
  wait_for 80 0.25 test -s "$2"
  local pid; pid=$(cat "$2")
  echo "$1 $pid" >> "$PIDS"
}

install_packages() {
  local pkgs="slurm-wlm slurm-client munge"
  [ "$WITH_ACCOUNTING" = 1 ] && pkgs="$pkgs slurmdbd mariadb-server"
  # shellcheck disable=SC2086
  dpkg -s $pkgs >/dev/null 2>&1 && return 0
  export DEBIAN_FRONTEND=noninteractive
  # Keep the packages' maintainer scripts from starting daemons of their own (invoke-rc.d
  # honours policy-rc.d): every daemon here is started below, and only those are stopped.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 0755 "$policy" && made_policy=1
  fi
  local rc=0
  # shellcheck disable=SC2086
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends $pkgs >/dev/null; } || rc=$?
  if [ "$made_policy" = 1 ]; then rm -f "$policy"; fi
  return $rc
}

start() {
  if [ -f "$PIDS" ] && status >/dev/null 2>&1; then
    echo "slurm_local: already running (stop it first):" >&2; cat "$PIDS" >&2; return 1
  fi
  rm -f "$PIDS"
  install_packages
  local HOST CPUS MEM_MB ACCT
  HOST=$(hostname -s)
  CPUS=$(nproc)
  MEM_MB=$(( $(awk '/MemTotal/{print $2}' /proc/meminfo) / 1024 - 1024 ))   # 1 GiB headroom
  : > "$PIDS"
  install -d -m 0755 /etc/slurm /var/spool/slurmctld /var/spool/slurmd "$LOG" /run/slurm

  if [ "$WITH_ACCOUNTING" = 1 ]; then
    ACCT=$'AccountingStorageType=accounting_storage/slurmdbd\nAccountingStorageHost=localhost'
  else
    ACCT='AccountingStorageType=accounting_storage/none'
  fi
  # slurm.conf first: sacctmgr below reads it. No cgroups (proctrack/linuxproc, task/none), so
  # it runs in a container; cons_tres + CR_Core lets several 1-core jobs share the node.
  cat > /etc/slurm/slurm.conf <<CONF
ClusterName=${CLUSTER}
SlurmctldHost=${HOST}
SlurmUser=root
MailProg=/bin/true
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SwitchType=switch/none
ReturnToService=2
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=/run/slurm/slurmd.pid
SlurmctldLogFile=${LOG}/slurmctld.log
SlurmdLogFile=${LOG}/slurmd.log
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
${ACCT}
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MinJobAge=300
InactiveLimit=0
KillWait=5
Waittime=0
NodeName=${HOST} NodeAddr=127.0.0.1 CPUs=${CPUS} RealMemory=${MEM_MB} State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF

  # munge: authentication between the daemons and the clients
  [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
  chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
  install -d -o munge -g munge -m 0755 /run/munge /var/log/munge /var/lib/munge
  rm -f /run/munge/munged.pid
  runuser -u munge -- /usr/sbin/munged               # daemonizes, writes its pid file
  record munged /run/munge/munged.pid
  munge -n | unmunge >/dev/null

  if [ "$WITH_ACCOUNTING" = 1 ]; then
    install -d -o mysql -g mysql -m 0755 /run/mysqld
    [ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql >/dev/null
    nohup /usr/sbin/mariadbd --user=mysql --datadir=/var/lib/mysql --socket=/run/mysqld/mysqld.sock \
          --pid-file=/run/mysqld/mysqld.pid --bind-address=127.0.0.1 >"$LOG/mariadb.log" 2>&1 &
    echo "mariadbd $!" >> "$PIDS"
    wait_for 120 0.5 mariadb -e 'select 1'
    mariadb -e "CREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY 'slurmpw';
                GRANT ALL ON slurm_acct_db.* TO 'slurm'@'localhost'; FLUSH PRIVILEGES;"
    cat > /etc/slurm/slurmdbd.conf <<CONF
AuthType=auth/munge
DbdHost=localhost
DbdAddr=127.0.0.1
SlurmUser=root
PidFile=/run/slurm/slurmdbd.pid
LogFile=${LOG}/slurmdbd.log
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=slurm
StoragePass=slurmpw
StorageLoc=slurm_acct_db
CONF
    chmod 0600 /etc/slurm/slurmdbd.conf
    rm -f /run/slurm/slurmdbd.pid
    /usr/sbin/slurmdbd
    record slurmdbd /run/slurm/slurmdbd.pid
    wait_for 60 0.5 sacctmgr -n list cluster
    # register the cluster before slurmctld starts, else slurmdbd lacks <cluster>_job_table
    sacctmgr -n list cluster format=cluster | grep -qw "$CLUSTER" \
      || sacctmgr -i add cluster "$CLUSTER" >/dev/null
  fi

  rm -f /run/slurm/slurmctld.pid /run/slurm/slurmd.pid
  /usr/sbin/slurmctld
  record slurmctld /run/slurm/slurmctld.pid
  /usr/sbin/slurmd
  record slurmd /run/slurm/slurmd.pid
  wait_for 120 0.5 bash -c "sinfo -h -o '%T' | grep -qE '^(idle|mixed|allocated)'"
  sinfo
  echo "slurm_local: started $(awk '{printf "%s(%s) ", $1, $2}' "$PIDS")"
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
