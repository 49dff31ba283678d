package camgate.audit;

/**
 * A byte-level recognizer of the canonical (RFC 8785) JSON object lines that exports write, read in place in
 * the verifier's chunk buffer.
 *
 * <p>It accepts a subset of what {@link CanonicalJson#checkCanonical} accepts: no whitespace, ASCII member names
 * in strictly increasing order, strings of well-formed UTF-8 with exactly the escapes RFC 8785 writes, integers
 * of at most 15 digits, other numbers spelled as RFC 8785 spells their double, {@code true}, {@code false},
 * {@code null}, nesting up to 64 levels, lines up to 16 KiB.
 * Everything it accepts is its own canonical form, so the bytes can be hashed as they stand. A {@code false}
 * answer is not a verdict: it only means "not this common shape", and the caller asks the full check, which
 * decides and words the error exactly as it always has (non-ASCII names, long integers and Jackson's own
 * limits stay its business).
 *
 * <p>Not thread-safe: one per worker.
 */
final class CanonicalLine {
  /** Longer lines go to the full check, so Jackson's name and nesting limits can never be what tells them apart. */
  static final int MAX_LENGTH = 16 * 1024;
  private static final int MAX_DEPTH = 64;
  /** 15 digits stay below 2^53, where RFC 8785 writes an integer exactly as its decimal digits. */
  private static final int MAX_DIGITS = 15;
  /** Far below Jackson's limit on number length; the longest RFC 8785 spelling of a double has 25 characters. */
  private static final int MAX_NUMBER_LENGTH = 32;
  private static final byte[] SEQ = {'s', 'e', 'q'};
  private static final byte[] TYPE = {'t', 'y', 'p', 'e'};
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};
  private static final byte[] KEY_ROTATION = BundleVerifier.KEY_ROTATION.getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /** Characters that stand for themselves in a canonical string: U+0020..U+007F but the quote and backslash. */
  private static final boolean[] PLAIN = printable(0x7f);
  /** Characters of the member names read here: printable ASCII but the quote and backslash. */
  private static final boolean[] NAME = printable(0x7e);

  private byte[] b;
  private int pos;
  private int end;
  private long seq;
  private boolean keyRotation;
  private long integer; // value of the last number read, if it was an integer
  private boolean isInteger;

  /**
   * Reads the line that starts at {@code buf[from]} and ends at the next newline before {@code limit}. Finding
   * that newline is part of the scan: a canonical text holds no raw newline, so the object's end is the line's.
   *
   * @return true if the line is one canonical JSON object of the accepted shape, its newline then at {@link #end()};
   *     false if the full check must decide
   */
  boolean read(byte[] buf, int from, int limit) {
    b = buf;
    pos = from;
    end = limit;
    seq = -1;
    keyRotation = false;
    boolean ok = object(1) && pos < limit && b[pos] == '\n' && pos - from <= MAX_LENGTH;
    b = null;
    return ok;
  }

  /** Index of the newline that ends the last line read. */
  int end() {
    return pos;
  }

  /** The top-level integer {@code seq} of the last line read, -1 if it has none (as {@link CanonicalJson#checkCanonical}). */
  long seq() {
    return seq;
  }

  /** Whether the last line read has the top-level {@code "type":"key_rotation"}. */
  boolean keyRotation() {
    return keyRotation;
  }

  private boolean object(int depth) {
    if (depth > MAX_DEPTH || pos >= end || b[pos] != '{') {
      return false;
    }
    pos++;
    if (pos < end && b[pos] == '}') {
      pos++;
      return true;
    }
    int lastFrom = -1;
    int lastTo = -1;
    while (true) {
      int nameFrom = pos + 1;
      if (!name()) {
        return false;
      }
      int nameTo = pos - 1; // the closing quote
      if (lastFrom >= 0 && compare(lastFrom, lastTo, nameFrom, nameTo) >= 0) {
        return false; // out of order or duplicate: the full check names it
      }
      lastFrom = nameFrom;
      lastTo = nameTo;
      if (pos >= end || b[pos] != ':') {
        return false;
      }
      pos++;
      int valueFrom = pos;
      if (!value(depth)) {
        return false;
      }
      if (depth == 1) {
        byte first = b[valueFrom];
        if (same(nameFrom, nameTo, SEQ) && (first == '-' || (first >= '0' && first <= '9')) && isInteger) {
          seq = integer;
        } else if (same(nameFrom, nameTo, TYPE) && first == '"') {
          keyRotation = same(valueFrom + 1, pos - 1, KEY_ROTATION);
        }
      }
      int after = separator('}');
      if (after != 0) {
        return after > 0;
      }
    }
  }

  private boolean array(int depth) {
    if (depth > MAX_DEPTH) {
      return false;
    }
    pos++; // '['
    if (pos < end && b[pos] == ']') {
      pos++;
      return true;
    }
    while (true) {
      if (!value(depth)) {
        return false;
      }
      int after = separator(']');
      if (after != 0) {
        return after > 0;
      }
    }
  }

  /** After a member or an item: 1 if the container closes with {@code close}, 0 at a comma (more follow), -1 otherwise. */
  private int separator(char close) {
    if (pos >= end) {
      return -1;
    }
    byte c = b[pos++];
    return c == close ? 1 : c == ',' ? 0 : -1;
  }

  private boolean value(int depth) {
    if (pos >= end) {
      return false;
    }
    return switch (b[pos]) {
      case '"' -> string();
      case '{' -> object(depth + 1);
      case '[' -> array(depth + 1);
      case 't' -> literal(TRUE);
      case 'f' -> literal(FALSE);
      case 'n' -> literal(NULL);
      default -> number();
    };
  }

  private boolean literal(byte[] word) {
    if (end - pos < word.length || !same(pos, pos + word.length, word)) {
      return false;
    }
    pos += word.length;
    return true;
  }

  /**
   * A JSON number. An integer of at most 15 digits is canonical as written unless it is "-0" (leading zeros fail
   * at the caller's delimiter check). One with a fraction or an exponent (durations in seconds) is canonical when
   * RFC 8785's own spelling of its double value, {@link CanonicalJson#formatNumber}, gives back the same text,
   * the test the full check makes; the double is the one Jackson reads (correctly rounded, like parseDouble).
   */
  private boolean number() {
    int from = pos;
    boolean negative = b[pos] == '-';
    if (negative) {
      pos++;
    }
    int digitsFrom = pos;
    long v = 0;
    while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
      v = v * 10 + (b[pos++] - '0');
    }
    int digits = pos - digitsFrom;
    if (digits == 0 || (digits > 1 && b[digitsFrom] == '0')) {
      return false;
    }
    boolean whole = true;
    if (pos < end && b[pos] == '.') {
      pos++;
      whole = false;
      if (skipDigits() == 0) {
        return false;
      }
    }
    if (pos < end && (b[pos] == 'e' || b[pos] == 'E')) {
      pos++;
      whole = false;
      if (pos < end && (b[pos] == '+' || b[pos] == '-')) {
        pos++;
      }
      if (skipDigits() == 0) {
        return false;
      }
    }
    isInteger = whole;
    if (whole) {
      integer = negative ? -v : v;
      return digits <= MAX_DIGITS && !(negative && v == 0);
    }
    if (pos - from > MAX_NUMBER_LENGTH) {
      return false;
    }
    String text = new String(b, from, pos - from, java.nio.charset.StandardCharsets.ISO_8859_1);
    try {
      return CanonicalJson.formatNumber(Double.parseDouble(text), "a number").equals(text);
    } catch (IllegalArgumentException e) {
      return false; // beyond the double range: the full check words it
    }
  }

  private int skipDigits() {
    int from = pos;
    while (pos < end && b[pos] >= '0' && b[pos] <= '9') {
      pos++;
    }
    return pos - from;
  }

  /** A member name: printable ASCII without escapes, so byte order is RFC 8785's UTF-16 code unit order. */
  private boolean name() {
    if (pos >= end || b[pos] != '"') {
      return false;
    }
    pos++;
    while (pos < end && NAME[b[pos] & 0xff]) {
      pos++;
    }
    if (pos < end && b[pos] == '"') {
      pos++;
      return true;
    }
    return false;
  }

  /** A string value: RFC 8785's escapes only, every other character as itself in well-formed UTF-8. */
  private boolean string() {
    pos++; // '"'
    while (true) {
      // Most bytes of an entry are plain ASCII inside strings: one table look-up each.
      while (pos < end && PLAIN[b[pos] & 0xff]) {
        pos++;
      }
      if (pos >= end) {
        return false;
      }
      int c = b[pos] & 0xff;
      if (c == '"') {
        pos++;
        return true;
      }
      if (c == '\\') {
        if (!escape()) {
          return false;
        }
      } else if (c < 0x80 || !utf8(c)) {
        return false; // a raw control character, or not well-formed UTF-8
      }
    }
  }

  /** A quote, backslash, b, f, n, r or t escape, or "backslash u 00xx" (lower-case hex) for the other controls below 0x20. */
  private boolean escape() {
    if (end - pos < 2) {
      return false;
    }
    switch (b[pos + 1]) {
      case '"', '\\', 'b', 'f', 'n', 'r', 't' -> {
        pos += 2;
        return true;
      }
      case 'u' -> {
        if (end - pos < 6 || b[pos + 2] != '0' || b[pos + 3] != '0') {
          return false;
        }
        int hi = b[pos + 4];
        int lo = b[pos + 5];
        int lov = lo >= '0' && lo <= '9' ? lo - '0' : lo >= 'a' && lo <= 'f' ? lo - 'a' + 10 : -1;
        if ((hi != '0' && hi != '1') || lov < 0) {
          return false;
        }
        int v = (hi - '0') << 4 | lov;
        if (v == '\b' || v == '\t' || v == '\n' || v == '\f' || v == '\r') {
          return false; // these have a short escape
        }
        pos += 6;
        return true;
      }
      default -> {
        return false;
      }
    }
  }

  /** One well-formed UTF-8 sequence of 2 to 4 bytes (Unicode Table 3-7: no overlongs, surrogates or beyond U+10FFFF). */
  private boolean utf8(int lead) {
    int n;
    int min = 0x80;
    int max = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
      n = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
      n = 3;
      if (lead == 0xe0) {
        min = 0xa0;
      } else if (lead == 0xed) {
        max = 0x9f;
      }
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      n = 4;
      if (lead == 0xf0) {
        min = 0x90;
      } else if (lead == 0xf4) {
        max = 0x8f;
      }
    } else {
      return false;
    }
    if (end - pos < n) {
      return false;
    }
    int second = b[pos + 1] & 0xff;
    if (second < min || second > max) {
      return false;
    }
    for (int i = 2; i < n; i++) {
      int c = b[pos + i] & 0xff;
      if (c < 0x80 || c > 0xbf) {
        return false;
      }
    }
    pos += n;
    return true;
  }

  private static boolean[] printable(int last) {
    boolean[] table = new boolean[256];
    for (int c = 0x20; c <= last; c++) {
      table[c] = c != '"' && c != '\\';
    }
    return table;
  }

  /**
   * Byte order of two names, which for the printable ASCII that {@link #name} allows is RFC 8785's order. A plain
   * loop: names are short and usually differ in their first bytes, where a library call costs more than the work.
   */
  private int compare(int aFrom, int aTo, int bFrom, int bTo) {
    int n = Math.min(aTo - aFrom, bTo - bFrom);
    for (int i = 0; i < n; i++) {
      int d = b[aFrom + i] - b[bFrom + i];
      if (d != 0) {
        return d;
      }
    }
    return (aTo - aFrom) - (bTo - bFrom);
  }

  private boolean same(int from, int to, byte[] word) {
    if (to - from != word.length) {
      return false;
    }
    for (int i = 0; i < word.length; i++) {
      if (b[from + i] != word[i]) {
        return false;
      }
    }
    return true;
  }
}
