/**
 * avro-client's line splitting (Java BufferedReader.readLine rules) does not depend on where the
 * input is cut into chunks: a \r at the end of one chunk and a \n at the start of the next are
 * one line end.
 */
import t from 'tap';
import fc from 'fast-check';
import { LineSplitter, LineTooLongError } from '../../packages/tools/dist/cli/lines.js';

/** readLine semantics written out the obvious way, on a string of the same bytes. */
function reference(input: Buffer): string[] {
  const text = input.toString('latin1');
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function split(chunks: Buffer[], max?: number): string[] {
  const splitter = new LineSplitter(max);
  const lines = chunks.flatMap((chunk) => splitter.push(chunk));
  lines.push(...splitter.end());
  return lines.map((line) => line.toString('latin1'));
}

t.test('known cases', async (t) => {
  t.same(split([Buffer.from('a\r'), Buffer.from('\nb')]), ['a', 'b'], '\\r | \\n across chunks is one line end');
  t.same(
    split([Buffer.from('a\r'), Buffer.from(''), Buffer.from('\nb')]),
    ['a', 'b'],
    'an empty chunk in between changes nothing',
  );
  t.same(split([Buffer.from('a\r\r\nb\n\n')]), ['a', '', 'b', '']);
  t.same(split([Buffer.from('')]), []);
  t.same(split([Buffer.from('\n')]), ['']);
  t.same(split([Buffer.from('par'), Buffer.from('tial')]), ['partial']);
});

t.test('any chunking gives the lines of the whole input', async () => {
  const bytes = fc
    .uint8Array({ maxLength: 200 })
    .map((a) => Buffer.from(a.map((b) => [0x0a, 0x0d, 0x61, 0x62, 0x00, 0xff][b % 6]!)));
  fc.assert(
    fc.property(bytes, fc.array(fc.nat(200), { maxLength: 10 }), (input, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (input.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let last = 0;
      for (const point of [...points, input.length]) {
        chunks.push(input.subarray(last, point));
        last = point;
      }
      const expected = reference(input);
      const got = split(chunks);
      if (JSON.stringify(got) !== JSON.stringify(expected))
        throw new Error(`${JSON.stringify(got)} != ${JSON.stringify(expected)}`);
    }),
    { numRuns: 2000 },
  );
});

t.test('a line longer than the limit is refused, not buffered without end', async (t) => {
  t.throws(() => split([Buffer.from('abc'), Buffer.from('def'), Buffer.from('g\n')], 6), {
    message: /a line is longer than 6 bytes/,
  });
  try {
    split([Buffer.from('abcdefgh')], 6);
    t.fail('expected a LineTooLongError');
  } catch (err) {
    t.type(err, LineTooLongError, 'also when no line end ever comes');
  }
  t.same(split([Buffer.from('abc'), Buffer.from('def\n')], 6), ['abcdef'], 'exactly the limit is fine');
});
