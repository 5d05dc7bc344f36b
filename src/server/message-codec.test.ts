import { SayResponse } from '../gen/demo/v1/echo';
import { EchoService } from '../gen/demo/v1/echo';
import { reusingSerializer, withReusingSerializers } from './message-codec';

const own = (m: SayResponse) => Buffer.from(SayResponse.encode(m).finish());

it('writes the bytes ts-proto writes, small and large, and every Buffer stays its own', () => {
  const serialize = reusingSerializer(SayResponse);
  const messages = [
    { message: 'a', index: 1 },
    { message: 'x'.repeat(64 * 1024), index: 2 },
    { message: 'é'.repeat(300), index: 3 },
    { message: '', index: 0 },
  ];
  const out = messages.map(serialize);
  // Compared after all were written: a later message never overwrites an earlier one's bytes (each
  // is a copy, not the writer's buffer).
  messages.forEach((m, i) => expect(out[i].equals(own(m))).toBe(true));
  expect(SayResponse.decode(out[1]).message).toHaveLength(64 * 1024);
});

it('starts clean after a message that failed to encode, and after one larger than it keeps', () => {
  const serialize = reusingSerializer(SayResponse);
  expect(() => serialize({ message: 'ok', index: -1 })).toThrow();
  expect(serialize({ message: 'next', index: 1 }).equals(own({ message: 'next', index: 1 }))).toBe(true);
  const big = { message: 'y'.repeat(2 * 1024 * 1024), index: 5 };
  expect(serialize(big).equals(own(big))).toBe(true);
  expect(serialize({ message: 'z', index: 6 }).equals(own({ message: 'z', index: 6 }))).toBe(true);
});

it('replaces only the response serializers of a service definition', () => {
  const echo = withReusingSerializers(EchoService, { say: SayResponse, repeat: SayResponse, collect: SayResponse, chat: SayResponse });
  expect(echo.say.path).toBe('/demo.v1.Echo/Say');
  expect(echo.say.requestDeserialize).toBe(EchoService.say.requestDeserialize);
  expect(echo.repeat.responseSerialize).not.toBe(EchoService.repeat.responseSerialize);
  expect(echo.repeat.responseSerialize({ message: 'm', index: 2 }).equals(own({ message: 'm', index: 2 }))).toBe(true);
});
