// Package ci checks the project's own CI configuration and code: workflows
// pass actionlint, pin actions by commit, set least permissions and time
// out; pages publishes only runs of main; the labs matrix is the pinned
// kind release's node images; dependabot.yml updates gomod and actions
// weekly, every lab tool included. It holds internal/ to its size limits
// (100 lines a function, gocyclo 25), README's Layout table to the
// packages (each with one package comment), tests to writing only in
// their own temporary directories, never a fixed host path, and code to
// Docker's Go client and its typed errors (the CLI only where listed).
package ci
