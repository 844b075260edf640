# shellcheck shell=bash
# Post 07: kubectl -n journey set env deployment/api --list. kubectl builds the list on the client
# from the pod template, so the manifest with --local prints the same without a cluster.
kubectl set env -f k8s/api/deployment.yaml --list --local
