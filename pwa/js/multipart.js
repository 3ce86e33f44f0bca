// One file as a multipart/form-data body, built by hand with a boundary we choose: FormData picks a random
// boundary per request, so a replayed upload would differ byte for byte from the first and the server (which
// recognises a replay by its Idempotency-Key AND an identical request) would refuse it as a reused key.

/** → {body: Uint8Array, contentType} for field `name` holding `bytes` (an ArrayBuffer) of MIME type `type`. */
export function multipartFile({ name, filename, type, bytes, boundary }) {
  const encode = (text) => new TextEncoder().encode(text);
  const head = encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\n` +
    `Content-Type: ${type}\r\n\r\n`,
  );
  const tail = encode(`\r\n--${boundary}--\r\n`);
  const body = new Uint8Array(head.length + bytes.byteLength + tail.length);
  body.set(head, 0);
  body.set(new Uint8Array(bytes), head.length);
  body.set(tail, head.length + bytes.byteLength);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}
