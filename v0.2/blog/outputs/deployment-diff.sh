# shellcheck shell=bash
# Post 07: diff of the API Deployment between v0.1 and v0.2.
diff ../v0.1/k8s/api/deployment.yaml k8s/api/deployment.yaml || true
