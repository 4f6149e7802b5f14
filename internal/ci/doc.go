// Package ci checks the project's own CI configuration: the GitHub Actions
// workflows in .github/workflows pass actionlint (pinned in go.mod), pin
// every action to a full commit, set least permissions and time out; pages
// publishes only runs of main (never a pull request's or a fork's), with
// one job allowed to write; pull requests' workflows only read; the labs
// matrix is the pinned kind release's node-image list. It holds internal/
// to its size limits (no function over 100 lines or gocyclo's complexity
// 25; tests and generated code aside), README's Layout table to the
// packages there (each with one package comment), and tests to writing
// only in their own temporary directories, never a fixed host path.
package ci
