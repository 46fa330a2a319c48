// TEMPORARY stand-in until the helper's version lands.
export function serverMessage(_status: number, _contentType: string | undefined, body: string): string {
  return body
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}
