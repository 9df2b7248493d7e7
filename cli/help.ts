/** `annex --help` and `annex COMMAND --help`. */
import { DEFAULT_DURATION_HOURS, DEFAULT_IDLE_HOURS } from "../shared/domain/lease.ts";
import type { CommandName } from "./options.ts";

const CONNECTION = `Where it talks (all commands):
  --url URL                    the annex API (else $ANNEX_URL, the config file, http://127.0.0.1:3000)
  -aws-region REGION           signing region for a deployed stage (else config, URL, $AWS_REGION)
  -aws-access-key-file FILE    with -aws-secret-key-file: sign with these keys instead of the
  -aws-secret-key-file FILE      standard AWS credential chain (env, profiles, SSO)
  --json                       print the API's JSON answer
Requests are SigV4-signed (execute-api) unless the URL is plain http:// to a loopback host
(127.0.0.0/8, localhost, ::1), which is the unsigned local stack; https:// is always signed.`;

const GENERAL = `annex: add EC2 capacity to an HTCondor pool for a bounded time (condor_annex's successor).

Usage:
  annex setup -collector-host HOST -allow-cidr CIDR     one-time setup         (annex -setup)
  annex check-setup                                     verify the setup       (annex -check-setup)
  annex create -count N -annex-name NAME [options]      start an annex         (annex -count N -annex-name NAME)
  annex create -slots N -aws-spot-fleet-config-file F -annex-name NAME         (spot fleet)
  annex create -cores N -aws-instance-types T1,T2 -annex-name NAME             (EC2 Fleet)
  annex status [NAME] [--all] [-classad]                instances and leases   (annex -status [-annex-name NAME])
  annex extend NAME -duration HOURS                     reset the lease to now + HOURS  (annex -annex-name NAME -duration HOURS)
  annex off NAME                                        terminate the annex now (condor_off -annex NAME)
  annex history NAME                                    the annex's audit trail

Options take one dash or two (-duration, --duration, --duration=2).
'annex COMMAND --help' shows a command's options.

${CONNECTION}

Exit status: 0 done; 1 not done (answered no, setup incomplete); 2 bad command line or local
setting; 3 refused by the API (4xx, no EC2 capacity); 4 API unreachable; 5 API failed (5xx).`;

const PER_COMMAND: Record<CommandName, string> = {
  setup: `Usage: annex setup -collector-host HOST[:PORT] -allow-cidr CIDR [options]
       annex -setup [ACCESS_KEY_FILE SECRET_KEY_FILE]

One-time setup of the service's components (bucket, table, functions, instance profile,
security group, pool settings). Safe to repeat.

  -collector-host HOST[:PORT]  the pool's central manager (else config "collectorHost",
                               else condor_config_val COLLECTOR_HOST)
  -allow-cidr CIDR             who may reach HTCondor (TCP 9618) on the instances
  -ssh-cidr CIDR               also open SSH (22) to this block
  -vpc-id VPC                  use this VPC instead of the default one
  -create-key-pair             create an EC2 key pair for the instances
  -pool-password-file FILE     a file holding the pool password (HTCondor PASSWORD authentication)
  -pool-token-file FILE        or a file holding an HTCondor IDTOKEN the instances join with;
                               one of them the first time (later setups keep the stored secret)
  -default-instance-type TYPE  the pool's default instance type
  -default-ami-id AMI          the pool's default image
  -max-count N                 refuse annexes larger than N instances
  -max-duration HOURS          refuse leases longer than HOURS
  -default-budget USD          the budget of an annex that names none
  -max-budget USD              refuse budgets above USD
  -prices TYPE=USD[,…]         pin negotiated on-demand prices (replaces the table; none clears)
  -min-duration HOURS          refuse leases shorter than HOURS (default 0.1; at least 0.001)
  -min-idle HOURS              refuse idle timeouts shorter than HOURS (default 0.05)`,
  "check-setup": `Usage: annex check-setup        (annex -check-setup)

Checks each component of the setup: "Checking for … OK." or what is missing and what to do.
Exits 1 when something is missing.`,
  create: `Usage: annex create -count N -annex-name NAME [options]
       annex -count N -annex-name NAME [options]
       annex -slots N -aws-spot-fleet-config-file FILE -annex-name NAME [options]
       annex -cores N -aws-instance-types T1,T2,… -annex-name NAME [options]   (EC2 Fleet)

  -count N                         on-demand instances (with the fleet options: fleet instances)
  -slots N                         spot fleet weighted capacity (with -aws-spot-fleet-config-file,
                                   the console's "JSON config")
  -duration HOURS                  lease: every instance is gone after this (default ${DEFAULT_DURATION_HOURS})
  -idle HOURS                      an idle instance terminates after this (default ${DEFAULT_IDLE_HOURS})
  -aws-on-demand-instance-type T   default: "instanceType" in the config file, else the pool's
                                   (setup -default-instance-type; check-setup shows it)
  -aws-on-demand-ami-id AMI        image (default: setup -default-ami-id)
  -aws-on-demand-security-group-ids SG[,SG…]
  -aws-on-demand-key-name KEY
  -aws-user-data DATA | -aws-user-data-file FILE
  -aws-default-user-data DATA | -aws-default-user-data-file FILE
  -tag NAME VALUE                  tag the instances (repeatable)
  -owner USER[,USER…] | -no-owner  who may run jobs on the annex (default: you)
  -budget USD                      end the annex when it has spent USD (default: the pool's)
  -yes                             do not ask "Is that OK?" (only "yes" says yes)

EC2 Fleet (the cheapest capacity per core across types and zones):
  -cores N                         capacity in vCPUs, each type weighted by its vCPUs
                                   (or -count N: capacity in instances)
  -aws-instance-types T1,T2,…      the types to mix
  -aws-vcpus MIN[-MAX]             or any type with this many vCPUs (attribute-based) …
  -aws-memory-per-vcpu MIN[-MAX]   … and this much memory (GiB) per vCPU
  -spot                            spot only (default: spot, falling back to on-demand)
  -on-demand                       on-demand only
  -spot-percent N                  N% on spot (falling back to on-demand), the rest on demand
  -replace-interrupted             replace an interrupted spot instance while the lease allows
  -aws-ami-id AMI                  image (default: setup -default-ami-id)

The question says what the annex can cost at most (the service's estimate of this request).`,
  status: `Usage: annex status [NAME] [--all] [-classad] [--json]
       annex -status [-annex-name NAME] [-classad]

A table of the annex's instances (your live annexes without NAME; --all adds the ones that
ended, one row each marked (ended) with why): instance id, type, state, whether it joined the
pool, how long it has been idle, lease left, cost (spent so far→at its end; the final cost once
ended) and budget (with the share spent); then counts per state.
-classad prints one ClassAd-like block per instance.`,
  extend: `Usage: annex extend NAME -duration HOURS
       annex -annex-name NAME -duration HOURS

Resets the lease: the annex now ends HOURS from now (condor_annex's -duration semantics),
or when its budget is spent, if that comes first.`,
  off: `Usage: annex off NAME

Terminates the annex's instances now (condor_off -annex NAME). Safe to repeat.`,
  history: `Usage: annex history NAME [--json]

The annex's audit trail: created, estimate, launched, partial capacity, lease extended,
budget 50/80/100 % spent, idle-terminated, expired, budget, off (with the final cost).`,
};

/** The help text for a command, or the general one. */
export function helpText(command?: CommandName): string {
  if (command === undefined) return GENERAL;
  return `${PER_COMMAND[command]}\n\n${CONNECTION}`;
}

/** What bare `annex` prints on stderr. */
export const SHORT_USAGE =
  "usage: annex setup|check-setup|create|status|extend|off|history … (or condor_annex's -setup, -count …); try 'annex --help'.";
