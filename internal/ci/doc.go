// Package ci checks the project's own CI configuration: the GitHub Actions
// workflows in .github/workflows pass actionlint (pinned in go.mod), pin
// every action to a full commit, set least permissions and time out; pages
// publishes only runs of main, with one job allowed to write; workflows
// that pull requests trigger only read; the labs matrix is the pinned kind
// release's node images; dependabot.yml updates gomod and actions weekly,
// every lab tool included. It also holds internal/ to its size limits (no
// function over 100 lines or gocyclo's complexity of 25; tests and
// generated code aside) and README's Layout table to its packages (each
// named, each with one package comment).
package ci
