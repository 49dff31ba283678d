package camgate.gateway.console;

import camgate.gateway.Subject;

/** Someone who signs in to the console: a username, their password hash, and the subject policies see. */
record Person(String username, PasswordHash password, Subject subject) {
}
