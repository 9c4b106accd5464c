#!/bin/sh
# Keeps the include direction of the code: server/ is built in layers that only point down,
# and shared/ depends on nothing of the programs. Prints every offending file:line and fails.
#
#   scripts/check-layers.sh [repository root]
#
# Rules:
#   - server/: a file in layer L may include (with "...") only headers of L or of a layer
#     listed before L in LAYERS, or of shared/. Files at server/ itself (main.cpp) are above
#     every layer. An include that resolves to neither server/ nor shared/ is an error too.
#   - shared/: every "..." include resolves inside shared/ (never server/, balancer/,
#     desktop-client/).
set -eu

# The server's layers, bottom first (server/README.md explains each one).
LAYERS="core transport connection rooms http app"

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

rank() { # rank of a layer name; "main" (server/ itself) is above all; empty when not a layer
    i=0
    for layer in $LAYERS; do
        [ "$layer" = "$1" ] && { echo $i; return; }
        i=$((i + 1))
    done
    [ "$1" = main ] && echo 99
    return 0
}

failures=$(mktemp)
trap 'rm -f "$failures"' EXIT

for file in $(find server shared -name '*.h' -o -name '*.cpp' | sort); do
    dir=$(dirname "$file")
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$file" |
        sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1 \2/' |
        while read -r line target; do
            case "$target" in *.moc) continue ;; esac
            where="$file:$line: #include \"$target\""
            case "$file" in
            shared/*)
                if [ ! -e "shared/$target" ] && [ ! -e "$dir/$target" ]; then
                    echo "$where: shared/ may include only shared/ headers" >>"$failures"
                fi
                continue
                ;;
            esac
            # server/
            sub=${file#server/}
            case "$sub" in */*) from=${sub%%/*} ;; *) from=main ;; esac
            from_rank=$(rank "$from")
            if [ -z "$from_rank" ]; then
                echo "$file: folder server/$from is not a layer: add it to LAYERS in $0" >>"$failures"
                continue
            fi
            if [ -e "server/$target" ]; then
                case "$target" in */*) to=${target%%/*} ;; *) to=main ;; esac
                to_rank=$(rank "$to")
                if [ -z "$to_rank" ] || [ "$to_rank" -gt "$from_rank" ]; then
                    echo "$where: layer '$from' may not include layer '$to' (order: $LAYERS)" >>"$failures"
                fi
            elif [ ! -e "shared/$target" ] && [ ! -e "$dir/$target" ]; then
                echo "$where: not a header of server/ or shared/" >>"$failures"
            fi
        done
done

if [ -s "$failures" ]; then
    cat "$failures"
    echo "check-layers: $(wc -l <"$failures") include(s) against the layer order" >&2
    exit 1
fi
echo "check-layers: server/ layers ($LAYERS) and shared/ includes are in order"
