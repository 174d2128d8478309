import { describe, expect, it } from 'vitest';
import { countSegments, detectEncoding, MAX_TEXT_LENGTH } from './segments';

describe('detectEncoding', () => {
  it('keeps plain Latin text in GSM-7', () => {
    expect(detectEncoding('Hello, world! @£$¥ èé')).toBe('GSM-7');
  });
  it('keeps extension characters in GSM-7', () => {
    expect(detectEncoding('{[~]}|^€\\')).toBe('GSM-7');
  });
  it('switches to UCS-2 for Cyrillic', () => {
    expect(detectEncoding('Привет')).toBe('UCS-2');
  });
  it('switches to UCS-2 for emoji', () => {
    expect(detectEncoding('ok 👍')).toBe('UCS-2');
  });
  it('treats lowercase ç (not in the table) as UCS-2', () => {
    expect(detectEncoding('ç')).toBe('UCS-2');
  });
});

describe('countSegments GSM-7', () => {
  it('counts an empty text as no parts', () => {
    const info = countSegments('');
    expect(info.parts).toBe(0);
    expect(info.remaining).toBe(160);
  });
  it('fits 160 basic characters in one part', () => {
    const info = countSegments('a'.repeat(160));
    expect(info).toMatchObject({ encoding: 'GSM-7', units: 160, parts: 1, remaining: 0 });
  });
  it('needs two parts for 161 characters', () => {
    const info = countSegments('a'.repeat(161));
    expect(info).toMatchObject({ parts: 2, remaining: 153 * 2 - 161, perPart: 153 });
  });
  it('fits 306 characters in two parts and 307 in three', () => {
    expect(countSegments('a'.repeat(306)).parts).toBe(2);
    expect(countSegments('a'.repeat(307)).parts).toBe(3);
  });
  it('counts extension characters as two septets', () => {
    const info = countSegments('€'.repeat(80));
    expect(info).toMatchObject({ units: 160, parts: 1, remaining: 0 });
    expect(countSegments('€'.repeat(80) + 'a').parts).toBe(2);
  });
  it('never splits an escape pair across parts', () => {
    // 152 septets, then a 2-septet char: it cannot take the 153rd septet, so it moves on.
    const text = 'a'.repeat(152) + '{' + 'a'.repeat(10);
    const info = countSegments(text);
    expect(info.units).toBe(164);
    expect(info.parts).toBe(2);
    expect(info.remaining).toBe(153 - 12);
  });
  it('adds a part when escape padding overflows', () => {
    // 152 + ESC pair moves to part 2 → part 1 holds 152, part 2 holds 2 + 151 = 153
    const fits = 'a'.repeat(152) + '[' + 'a'.repeat(151);
    expect(countSegments(fits).parts).toBe(2);
    const overflow = fits + 'a';
    expect(countSegments(overflow).units).toBe(306);
    expect(countSegments(overflow).parts).toBe(3);
  });
  it('counts newline as one septet', () => {
    expect(countSegments('a\nb').units).toBe(3);
  });
});

describe('countSegments UCS-2', () => {
  it('fits 70 Cyrillic characters in one part', () => {
    const info = countSegments('ж'.repeat(70));
    expect(info).toMatchObject({ encoding: 'UCS-2', parts: 1, remaining: 0 });
  });
  it('uses 67 per part above 70', () => {
    expect(countSegments('ж'.repeat(71))).toMatchObject({ parts: 2, remaining: 63, perPart: 67 });
    expect(countSegments('ж'.repeat(134)).parts).toBe(2);
    expect(countSegments('ж'.repeat(135)).parts).toBe(3);
  });
  it('counts characters outside the BMP as two units', () => {
    const info = countSegments('😀'.repeat(35));
    expect(info).toMatchObject({ units: 70, parts: 1, length: 35 });
    expect(countSegments('😀'.repeat(36)).parts).toBe(2);
  });
  it('never splits a surrogate pair across parts', () => {
    const text = 'ж'.repeat(66) + '😀' + 'ж';
    const info = countSegments(text);
    expect(info.units).toBe(69);
    expect(countSegments('ж'.repeat(70) + '😀').units).toBe(72);
    // 66 units + pair: pair moves to part 2
    const long = 'ж'.repeat(66) + '😀' + 'ж'.repeat(10);
    const longInfo = countSegments(long);
    expect(longInfo.parts).toBe(2);
    expect(longInfo.remaining).toBe(67 - 12);
  });
  it('mixes a single Cyrillic char into a Latin text as UCS-2', () => {
    const info = countSegments('Order #1234 готово');
    expect(info.encoding).toBe('UCS-2');
    expect(info.units).toBe(18);
  });
});

describe('length limit', () => {
  it('allows exactly the maximum', () => {
    expect(countSegments('a'.repeat(MAX_TEXT_LENGTH)).tooLong).toBe(false);
  });
  it('flags one character over', () => {
    expect(countSegments('a'.repeat(MAX_TEXT_LENGTH + 1)).tooLong).toBe(true);
  });
  it('counts emoji as one character toward the limit', () => {
    expect(countSegments('😀'.repeat(MAX_TEXT_LENGTH)).tooLong).toBe(false);
  });
});
