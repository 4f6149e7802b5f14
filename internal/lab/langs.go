package lab

// IsTranscriptLang reports whether blocks of lang are "$ " transcripts
// (console, shell-session, terminal): commands with their output.
func IsTranscriptLang(lang string) bool { return transcriptLangs[lang] }

// IsScriptLang reports whether blocks of lang are shell scripts the lab
// runner runs whole (sh, bash, shell).
func IsScriptLang(lang string) bool { return scriptLangs[lang] }
