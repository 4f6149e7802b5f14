// Package ci checks the project's own CI configuration: the GitHub Actions
// workflows in .github/workflows pass actionlint (pinned in go.mod), pin
// every action to a full commit, set least permissions and time out.
package ci
