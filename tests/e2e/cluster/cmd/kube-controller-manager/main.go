// Command kube-controller-manager is the upstream controller manager, built
// from k8s.io/kubernetes at the version pinned in go.mod. scripts/cluster.sh
// runs it with only the controllers the e2e scenarios need.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
)

func main() {
	os.Exit(cli.Run(app.NewControllerManagerCommand()))
}
