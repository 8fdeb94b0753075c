# fish completion for the sandbox programs.  Names come from sandbox-list
# --names / --stacks: one REST call, no health checks.

function __sandbox_names; sandbox-list --names 2>/dev/null; end
function __sandbox_stacks; sandbox-list --stacks 2>/dev/null; end
function __sandbox_snaps
    set -l t (commandline -opc)
    for w in $t[2..-1]
        if not string match -q -- '-*' $w
            sandbox-snapshot $w --list --no-size --format csv 2>/dev/null | tail -n +2 | cut -d, -f1
            return
        end
    end
end
# True until the command line has a positional word (the sandbox name).
function __sandbox_no_name
    set -l t (commandline -opc)
    for w in $t[2..-1]
        string match -q -- '-*' $w; or return 1
    end
    return 0
end

for p in sandbox sandbox-start sandbox-stop sandbox-list sandbox-expose sandbox-nuke sandbox-setup sandbox-domains sandbox-snapshot
    complete -c $p -s h -l help -d 'show help'
    complete -c $p -l version -d 'show the version'
end

complete -c sandbox -f -a '(__sandbox_names)'
complete -c sandbox -l claude -d 'run Claude Code'
complete -c sandbox -l cmd -r -d 'run CMD'
complete -c sandbox -l parallel -x -d 'at most N at a time'
complete -c sandbox -l ssh-config -d 'print a Host block'
complete -c sandbox -l jump -x -a '(__fish_print_hostnames)' -d 'ProxyJump HOST'

complete -c sandbox-start -f -n __sandbox_no_name -a '(__sandbox_names)'
complete -c sandbox-start -l stack -x -a '(__sandbox_stacks)' -d 'golden image'
complete -c sandbox-start -l slot -x -d 'slot 1..99'
complete -c sandbox-start -l cpu -x -d 'CPU limit'
complete -c sandbox-start -l memory -x -d 'memory limit'
complete -c sandbox-start -l env -x -d 'K=V kept across restarts'
complete -c sandbox-start -l unset-env -x -d 'stop keeping K'
complete -c sandbox-start -l ssh-key -r -F -d 'deploy key file'
complete -c sandbox-start -l branch -x -d 'branch'
complete -c sandbox-start -l from -x -a '(__sandbox_names)' -d 'inherit from'
complete -c sandbox-start -l restrict-domains -d 'filter egress'
complete -c sandbox-start -l cache -d 'share download caches'
complete -c sandbox-start -l domains-file -r -F -d 'allowlist'
complete -c sandbox-start -l allow-cidr -x -d 'reach a private range'
complete -c sandbox-start -s q -l quiet -d 'print only errors'

complete -c sandbox-stop -f -a '(__sandbox_names)'
complete -c sandbox-stop -l rm -d 'also delete it'
complete -c sandbox-stop -l grace -x -d 'seconds'
complete -c sandbox-stop -s q -l quiet -d 'print only errors'

complete -c sandbox-list -f
complete -c sandbox-list -l format -x -a 'table json csv' -d 'output format'
complete -c sandbox-list -l json -d 'JSON output'
complete -c sandbox-list -l no-health -d 'skip health checks'
complete -c sandbox-list -l names -d 'sandbox names only'
complete -c sandbox-list -l stacks -d 'stack names only'

complete -c sandbox-expose -f -n __sandbox_no_name -a '(__sandbox_names)'
complete -c sandbox-expose -f -n 'not __sandbox_no_name' -a 'tcp udp both'
complete -c sandbox-expose -l host-port -x -d 'host port'
complete -c sandbox-expose -l remove -d 'take it away'
complete -c sandbox-expose -s q -l quiet -d 'print only errors'

complete -c sandbox-nuke -f -s y -l yes -d 'do not ask'

complete -c sandbox-setup -f
complete -c sandbox-setup -l stack -x -a '(__sandbox_stacks) all' -d 'build golden-STACK'
complete -c sandbox-setup -l rebuild -x -a '(__sandbox_stacks) all' -d 'build again'
complete -c sandbox-setup -l list-stacks -d 'list stacks'
complete -c sandbox-setup -l format -x -a 'table json csv' -d 'output format'
complete -c sandbox-setup -l json -d 'JSON output'
complete -c sandbox-domains -l format -x -a 'table json csv' -d 'output format'
complete -c sandbox-domains -l json -d 'JSON output'
complete -c sandbox-setup -l release -x -a 'trixie bookworm' -d 'Debian release'
complete -c sandbox-setup -l clear-cache -x -a 'npm cargo go pip all' -d 'empty shared caches'
complete -c sandbox-setup -l base -x -a 'debootstrap images:' -d 'base image'
complete -c sandbox-setup -l mirror -x -d 'apt mirror'
complete -c sandbox-setup -l pool-size -x -d 'pool size'
complete -c sandbox-setup -s q -l quiet -d 'print only errors'

complete -c sandbox-domains -f -n __sandbox_no_name -a '(__sandbox_names)'
complete -c sandbox-domains -l list -d 'print the list'
complete -c sandbox-domains -l add -x -d 'allow DOMAIN'
complete -c sandbox-domains -l remove -x -d 'stop allowing DOMAIN'
complete -c sandbox-domains -s q -l quiet -d 'print only errors'

complete -c sandbox-snapshot -f -n __sandbox_no_name -a '(__sandbox_names)'
complete -c sandbox-snapshot -l no-size -d 'do not measure sizes'
complete -c sandbox-snapshot -l list -d 'list snapshots'
complete -c sandbox-snapshot -l format -x -a 'table json csv' -d 'output format'
complete -c sandbox-snapshot -l json -d 'JSON output'
complete -c sandbox-snapshot -l restore -x -a '(__sandbox_snaps)' -d 'roll back to SNAP'
complete -c sandbox-snapshot -l delete -x -a '(__sandbox_snaps)' -d 'delete SNAP'
complete -c sandbox-snapshot -s q -l quiet -d 'print only errors'
