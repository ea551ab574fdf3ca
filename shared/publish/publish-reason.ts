/** What a person can do about a refused publish. */
export function publishRefusalAdvice(code: number): string {
  switch (code) {
    case 0x87:
      return 'The broker does not let this client publish to that topic; check its ACL or the username you connected with.';
    case 0x90:
      return 'The broker refused the topic name; check for reserved prefixes or characters it does not accept.';
    case 0x95:
      return 'The message is larger than the broker accepts; make the payload smaller or raise the broker\'s limit.';
    case 0x97:
      return 'The broker\'s quota for this client is used up; slow down or wait.';
    case 0x99:
      return 'The payload is marked as UTF-8 text but is not valid UTF-8; turn off the payload format indicator or fix the payload.';
    default:
      return 'See the broker\'s log for why it refused the message.';
  }
}
