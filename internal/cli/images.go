package cli

import (
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/images"
)

func init() {
	register(define("images build", "[-kubernetes v1.35.4,v1.37.2] [-cache DIR] [-only STEP] [-inspec-src DIR]",
		"build the air-gapped image set (base, stand-ins, kind nodes) and tools",
		(*imagesBuildFlags).bind, runImagesBuild))
}

// imagesBuildFlags is the flagpole of `images build`.
type imagesBuildFlags struct {
	kubernetes string
	opts       images.Options
}

func (f *imagesBuildFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.kubernetes, "kubernetes", strings.Join(images.DefaultK8sVersions, ","),
		"comma-separated Kubernetes versions to build kind node images for (supported: "+strings.Join(images.SupportedK8sVersions, ", ")+")")
	fs.StringVar(&f.opts.CacheDir, "cache", "", "cache directory (default $XDG_CACHE_HOME/advent or ~/.cache/advent)")
	fs.StringVar(&f.opts.Only, "only", "", "build only this step and what it needs, e.g. nginx, tools, kind-node-v1.37.2")
	fs.StringVar(&f.opts.InSpecSrc, "inspec-src", "", "directory of InSpec's release archives for the "+images.AuditorImage+" stand-in (default $"+images.InSpecSrcEnv+")")
}

func runImagesBuild(e *invocation, f *imagesBuildFlags, args []string) error {
	if err := noArgs("images build", args); err != nil {
		return err
	}
	opts := f.opts
	opts.Out = e.stdout
	for _, v := range strings.Split(f.kubernetes, ",") {
		if strings.TrimSpace(v) == "" {
			continue
		}
		nv, err := images.ParseKubernetesVersion(v)
		if err != nil {
			return diag.Usagef("-kubernetes: %v", err)
		}
		opts.K8sVersions = append(opts.K8sVersions, nv)
	}
	if len(opts.K8sVersions) == 0 {
		return diag.Usagef("-kubernetes: no Kubernetes version given")
	}
	if opts.Only != "" {
		known := images.StepIDs(opts.K8sVersions)
		ok := false
		for _, id := range known {
			ok = ok || id == opts.Only
		}
		if !ok {
			return diag.Usagef("-only %q: unknown step; steps: %s", opts.Only, strings.Join(known, ", "))
		}
	}
	res, err := images.Build(e.ctx, opts)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "IMAGE\tSIZE\tSTAND-IN\tID")
	for _, im := range res.Manifest.Images {
		stand := ""
		if im.StandIn {
			stand = "stand-in"
		}
		fmt.Fprintf(tw, "%s\t%.0f MB\t%s\t%s\n", im.Name, float64(im.Size)/1e6, stand, strings.TrimPrefix(im.ID, "sha256:")[:12])
	}
	for _, t := range res.Manifest.Tools {
		fmt.Fprintf(tw, "%s\t%s\t\t%s\n", t.Path, t.Version, t.Module)
	}
	return tw.Flush()
}
