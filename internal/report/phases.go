package report

// Phases is how a run's wall time divides, measured by the runner
// (milliseconds). Clusters are created in parallel and while the first
// steps run, so the phases can overlap and need not add up to the run's
// duration.
type Phases struct {
	// EnvironmentReadyMS is from the run's start until the lab's
	// environment was ready: every cluster Ready with the lab's images in
	// its nodes, every network and container up.
	EnvironmentReadyMS int64 `json:"environment_ready_ms"`
	// CreateClustersMS is creating the clusters up to Ready (the slowest
	// cluster's), LoadImagesMS loading the lab's images into their nodes
	// (the slowest cluster's); 0 without clusters.
	CreateClustersMS int64 `json:"create_clusters_ms"`
	LoadImagesMS     int64 `json:"load_images_ms"`
	// StepsMS sums the durations of the steps other than environment
	// (create-cluster, delete-cluster) steps.
	StepsMS int64 `json:"steps_ms"`
	// TeardownMS is deleting clusters (delete-cluster steps included),
	// containers and networks.
	TeardownMS int64 `json:"teardown_ms"`
}
