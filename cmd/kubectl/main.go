// Command kubectl is kubectl built from the k8s.io/kubectl module version
// pinned in advent's go.mod, so that labs get a kubectl without a download.
// `advent images build` builds it into the tools directory with its version
// set by -ldflags (see internal/images).
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		// Pretty-print the error and exit with an error.
		util.CheckErr(err)
	}
	os.Exit(0)
}
