# bash completion for the sandbox programs (installed once per program
# name, so bash-completion loads it on demand for each).  Sandbox and
# stack names come from sandbox-list --names / --stacks: one REST call,
# no health checks, so a Tab press stays fast.

_sandbox_words() { # prints what to offer for a kind of value
	case $1 in
	name) sandbox-list --names 2>/dev/null ;;
	stack) sandbox-list --stacks 2>/dev/null ;;
	stack-all) sandbox-list --stacks 2>/dev/null; echo all ;;
	proto) echo tcp udp both ;;
	format) echo table json csv ;;
	snap) sandbox-snapshot "$2" --list --no-size --format csv 2>/dev/null |
		tail -n +2 | cut -d, -f1 ;;
	esac
}

_sandbox_complete() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	local prog=${COMP_WORDS[0]##*/} flags args pos=() i w
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}
	COMPREPLY=()
	# flags: every option; args: those that take a value.
	case $prog in
	sandbox-start)
		flags="--stack --slot --cpu --memory --env --unset-env --ssh-key
		       --branch --from --restrict-domains --domains-file --cache
		       --allow-cidr --quiet --help --version"
		args="--stack --slot --cpu --memory --env --unset-env --ssh-key
		      --branch --from --domains-file --allow-cidr" ;;
	sandbox-stop)
		flags="--rm --grace --quiet --help --version"
		args="--grace" ;;
	sandbox-list)
		flags="--format --json --no-health --names --stacks --help
		       --version"
		args="--format" ;;
	sandbox-expose)
		flags="--host-port --remove --quiet --help --version"
		args="--host-port" ;;
	sandbox-nuke)
		flags="--yes --help --version"; args= ;;
	sandbox-setup)
		flags="--stack --rebuild --list-stacks --format --json --release --clear-cache
		       --base --mirror --pool-size --quiet --help --version"
		args="--stack --rebuild --base --mirror --pool-size --format" ;;
	sandbox-domains)
		flags="--list --format --json --add --remove --quiet --help --version"
		args="--add --remove --format" ;;
	sandbox-snapshot)
		flags="--list --no-size --format --json --restore --delete --quiet
		       --help --version"
		args="--format --restore --delete" ;;
	sandbox)
		flags="--claude --cmd --parallel --ssh-config --jump --help
		       --version"
		args="--cmd --parallel --jump" ;;
	*) return 0 ;;
	esac
	# Positional words so far (option values skipped).
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case " $(echo $args) " in
		*" $w "*) i=$((i + 1)); continue ;;
		esac
		[[ $w == -* ]] || pos+=("$w")
	done
	case $prev in
	--stack) [ "$prog" = sandbox-setup ] && w=stack-all || w=stack
		 COMPREPLY=($(compgen -W "$(_sandbox_words $w)" -- "$cur"))
		 return 0 ;;
	--rebuild) COMPREPLY=($(compgen -W "$(_sandbox_words stack-all)" -- "$cur"))
		   return 0 ;;
	--from) COMPREPLY=($(compgen -W "$(_sandbox_words name)" -- "$cur"))
		return 0 ;;
	--format) COMPREPLY=($(compgen -W "$(_sandbox_words format)" -- "$cur"))
		  return 0 ;;
	--restore|--delete)
		COMPREPLY=($(compgen -W "$(_sandbox_words snap "${pos[0]}")" \
			     -- "$cur"))
		return 0 ;;
	--ssh-key|--domains-file)
		COMPREPLY=($(compgen -f -- "$cur")); return 0 ;;
	--base) COMPREPLY=($(compgen -W "debootstrap images:" -- "$cur"))
		return 0 ;;
	esac
	case " $(echo $args) " in
	*" $prev "*) return 0 ;; # a value we cannot guess
	esac
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(echo $flags)" -- "$cur"))
		return 0
	fi
	case $prog in
	sandbox|sandbox-stop)
		COMPREPLY=($(compgen -W "$(_sandbox_words name)" -- "$cur")) ;;
	sandbox-start|sandbox-domains|sandbox-snapshot)
		[ ${#pos[@]} -eq 0 ] &&
			COMPREPLY=($(compgen -W "$(_sandbox_words name)" -- "$cur")) ;;
	sandbox-expose)
		case ${#pos[@]} in
		0) COMPREPLY=($(compgen -W "$(_sandbox_words name)" -- "$cur")) ;;
		2) COMPREPLY=($(compgen -W "$(_sandbox_words proto)" -- "$cur")) ;;
		esac ;;
	esac
	return 0
}

complete -F _sandbox_complete sandbox sandbox-start sandbox-stop \
	sandbox-list sandbox-expose sandbox-nuke sandbox-setup \
	sandbox-domains sandbox-snapshot
