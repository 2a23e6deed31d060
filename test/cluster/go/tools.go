//go:build tools

// Pins the main packages this module builds, so `go mod tidy` keeps their dependencies.
package cluster

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
