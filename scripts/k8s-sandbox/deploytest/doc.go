// Package deploytest runs every version's deploy script against the k8s sandbox and verifies the
// result with client-go (see deploy_test.go). It has no non-test code.
package deploytest
