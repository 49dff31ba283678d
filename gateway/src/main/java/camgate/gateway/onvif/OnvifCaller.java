package camgate.gateway.onvif;

import camgate.gateway.Subject;
import camgate.gateway.access.AccessEvents.Origin;

/**
 * A VMS logged in over ONVIF: its username (an {@code rtsp_users} entry), the subject the policy sees, the
 * purpose configured for it ({@code onvif.purposes}; null: none, which the policy refuses) and how the request came.
 */
record OnvifCaller(String username, Subject subject, String purpose, Origin origin) {
}
