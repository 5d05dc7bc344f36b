// The step-ca command, for certrpc's tests. Debian packages smallstep's CA as a library only
// (golang-github-smallstep-certificates-dev has no cmd/step-ca), so scripts/step-ca.sh builds
// this main against Debian's Go sources, offline: the CA itself is entirely smallstep's code.
package main

import (
	"fmt"
	"os"

	"github.com/smallstep/certificates/commands"
	"github.com/urfave/cli"
	"go.step.sm/cli-utils/step"

	// The software CA service and key manager register themselves; ca.json uses both.
	_ "github.com/smallstep/certificates/cas/softcas"
	_ "github.com/smallstep/certificates/kms/softkms"
)

func main() {
	step.Set("Smallstep CA (Debian library build for certrpc tests)", "0.19.0", "debian")
	app := cli.NewApp()
	app.Name = "step-ca"
	app.HelpName = "step-ca"
	app.Usage = "an online certificate authority for secure automated certificate management"
	app.UsageText = commands.AppCommand.UsageText
	app.Version = step.Version()
	app.Flags = commands.AppCommand.Flags
	app.Action = commands.AppCommand.Action
	if err := app.Run(os.Args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
