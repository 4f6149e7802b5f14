package lint

// eolRules find instructions to install or pin a release past its end of
// life.
var eolRules []*Rule
