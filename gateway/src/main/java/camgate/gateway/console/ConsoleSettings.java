package camgate.gateway.console;

import java.time.Duration;

/**
 * The console's settings (the optional "console" section of the configuration).
 *
 * @param sessionIdle   a session unused this long ends ({@code session_idle_s}, 1800)
 * @param sessionMax    a session ends this long after sign-in whatever its use ({@code session_max_s}, 28800)
 * @param maxFailures   failed sign-ins within 15 minutes before a username is locked ({@code max_failures}, 5)
 * @param lock          how long a locked username stays locked ({@code lock_s}, 900)
 * @param secureCookie  the session cookie is {@code Secure} ({@code secure_cookie}, true)
 * @param bodyLimit     the largest console API request body, in bytes ({@code body_limit_bytes}, 65536)
 */
public record ConsoleSettings(Duration sessionIdle, Duration sessionMax, int maxFailures, Duration lock,
                              boolean secureCookie, long bodyLimit) {
}
