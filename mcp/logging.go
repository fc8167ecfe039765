package mcp

import "github.com/go-json-experiment/json/jsontext"

// LoggingLevel is the severity of a log message, after the syslog severities of RFC 5424. Logging is
// deprecated in 2026-07-28 but still works.
type LoggingLevel string

// Logging levels, least severe first.
const (
	LevelDebug     LoggingLevel = "debug"     // debug-level messages
	LevelInfo      LoggingLevel = "info"      // informational messages
	LevelNotice    LoggingLevel = "notice"    // normal but significant conditions
	LevelWarning   LoggingLevel = "warning"   // warning conditions
	LevelError     LoggingLevel = "error"     // error conditions
	LevelCritical  LoggingLevel = "critical"  // critical conditions
	LevelAlert     LoggingLevel = "alert"     // action must be taken immediately
	LevelEmergency LoggingLevel = "emergency" // the system is unusable
)

// Severity returns the level's rank: 0 for debug up to 7 for emergency, or -1 for a string that is not a
// level.
func (l LoggingLevel) Severity() int {
	switch l {
	case LevelDebug:
		return 0
	case LevelInfo:
		return 1
	case LevelNotice:
		return 2
	case LevelWarning:
		return 3
	case LevelError:
		return 4
	case LevelCritical:
		return 5
	case LevelAlert:
		return 6
	case LevelEmergency:
		return 7
	default:
		return -1
	}
}

// Valid reports whether l is one of the eight levels.
func (l LoggingLevel) Valid() bool { return l.Severity() >= 0 }

// AtLeast reports whether a message at level l passes the threshold min: both are valid levels and l is as
// severe as min or more.
func (l LoggingLevel) AtLeast(min LoggingLevel) bool {
	s, m := l.Severity(), min.Severity()
	return s >= 0 && m >= 0 && s >= m
}

// SetLevelParams are the params of logging/setLevel (legacy revisions; 2026-07-28 uses RequestMeta.LogLevel).
type SetLevelParams struct {
	// Meta is the request's _meta.
	Meta *RequestMeta `json:"_meta,omitzero"`
	// Level is the least severe level the client wants to receive.
	Level LoggingLevel `json:"level"`
}

// LoggingMessageParams are the params of notifications/message.
type LoggingMessageParams struct {
	// Meta is the notification's _meta.
	Meta *NotificationMeta `json:"_meta,omitzero"`
	// Level is the message's severity.
	Level LoggingLevel `json:"level"`
	// Logger names the logger, if any.
	Logger string `json:"logger,omitzero"`
	// Data is the message: any JSON value, such as a string or an object.
	Data jsontext.Value `json:"data"`
}
