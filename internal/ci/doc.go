// Package ci checks the project's own CI configuration: the GitHub Actions
// workflows in .github/workflows pass actionlint (pinned in go.mod), pin
// every action to a full commit, set least permissions and time out; pages
// publishes only runs of main (never a pull request's or a fork's), with
// one job allowed to write; workflows that pull requests trigger only read;
// the labs matrix is the node-image list of the pinned kind release; and
// dependabot.yml updates gomod and github-actions weekly, every lab tool
// allowed and grouped.
// It also holds the code of internal/ to its size limits (no function over
// 100 lines or a cyclomatic complexity, gocyclo's, of 25; tests and
// generated code aside) and README's Layout table to the packages there
// (each named, each with one package comment).
package ci
