package eol

import "time"

// The sources of the table. Kubernetes publishes each minor's dates on its
// release page (kubernetes.io/releases/1.NN/, from the website's
// data/releases/schedule.yaml); Helm announces majors on its blog.
const (
	k8sReleases   = "https://kubernetes.io/releases/"
	helm2EOL      = "https://helm.sh/blog/helm-2-becomes-unsupported/"
	helm3EOL      = "https://helm.sh/blog/helm-v3-end-of-life/"
	helm4Released = "https://helm.sh/blog/helm-4-released/"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func k8s(minor, released, maintenance, eol string) Release {
	return Release{
		Product: Kubernetes, Cycle: minor,
		Released: day(released), BugFixesEnd: day(maintenance), EndOfLife: day(eol),
		Source: k8sReleases + minor + "/",
	}
}

// table is the one list of release cycles and their dates. Kubernetes: the
// release date, "Maintenance Mode Start Date" and "End Of Life Date" of each
// minor's release page. Update it when a minor is released (its page then
// lists its planned dates) and when a release page moves a date.
var table = []Release{
	k8s("1.27", "2023-04-11", "2024-04-28", "2024-06-28"),
	k8s("1.28", "2023-08-15", "2024-08-28", "2024-10-28"),
	k8s("1.29", "2023-12-13", "2024-12-28", "2025-02-28"),
	k8s("1.30", "2024-04-17", "2025-04-28", "2025-07-15"),
	k8s("1.31", "2024-08-13", "2025-08-28", "2025-11-11"),
	k8s("1.32", "2024-12-11", "2025-12-28", "2026-02-28"),
	k8s("1.33", "2025-04-23", "2026-04-28", "2026-06-28"),
	k8s("1.34", "2025-08-27", "2026-08-27", "2026-10-27"),
	k8s("1.35", "2025-12-17", "2026-12-28", "2027-02-28"),
	k8s("1.36", "2026-04-22", "2027-04-28", "2027-06-28"),
	k8s("1.37", "2026-08-26", "2027-08-28", "2027-10-28"),

	// Helm 2 became unsupported a year after Helm 3.0.0; its bug fixes were
	// extended to 2020-08-13 (helm.sh/blog/covid-19-extending-helm-v2-bug-fixes/).
	{Product: Helm, Cycle: "2", Released: day("2016-11-16"),
		BugFixesEnd: day("2020-08-13"), EndOfLife: day("2020-11-13"), Source: helm2EOL},
	// Helm 3's bug fixes end with its last, limited feature release
	// (moved from 2026-07-08 by the Helm 3 End of Life post); security
	// fixes end on 2027-02-10.
	{Product: Helm, Cycle: "3", Released: day("2019-11-13"),
		BugFixesEnd: day("2026-09-09"), EndOfLife: day("2027-02-10"), Source: helm3EOL},
	// Helm 4 has no announced end of life.
	{Product: Helm, Cycle: "4", Released: day("2025-11-12"), Source: helm4Released},
}
