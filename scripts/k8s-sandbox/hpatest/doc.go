// Package hpatest proves, in the k8s sandbox, that kube-controller-manager's HPA controller scales
// each version's api Deployment from the resource metrics API: kwok reports the CPU usage that a
// pod annotation sets (as kubelets would), metrics-server scrapes kwok and serves metrics.k8s.io
// through kube-apiserver's aggregation layer, and the version's own HPA (k8s/api/hpa.yaml) acts on
// it. It is its own test binary, so its sandbox runs the HPA controller with a 2s sync period. It
// has no non-test code.
package hpatest
