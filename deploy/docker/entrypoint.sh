#!/bin/sh
# Runs the service this image was built for (its console script, academy-$SERVICE) when no
# command is given; a command given to `docker run` / the pod's args runs instead (academy-token).
set -eu
: "${SERVICE:?the image names no service: build it with --build-arg SERVICE=<name>}"
if [ "$#" -eq 0 ]; then
    set -- "academy-${SERVICE}"
fi
exec "$@"
