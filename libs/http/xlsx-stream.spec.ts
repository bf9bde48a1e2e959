import ExcelJS from 'exceljs';
import fc from 'fast-check';
import type { XlsxRow } from './xlsx-stream.js';
import { streamXlsx } from './xlsx-stream.js';

const SHEET = { name: '整改台账', widths: [18, 40, 8], frozenRows: 2, creator: 'inspection-linkage' };

async function* batches(...pages: XlsxRow[][]): AsyncIterable<XlsxRow[]> {
  for (const page of pages) yield page;
}

const readBack = async (pages: XlsxRow[][]): Promise<ExcelJS.Worksheet> => {
  const bytes = Buffer.concat(await streamXlsx(SHEET, batches(...pages)).toArray());
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  expect(workbook.worksheets).toHaveLength(1);
  return workbook.worksheets[0]!;
};

const valuesOf = (sheet: ExcelJS.Worksheet, row: number, columns: number) =>
  Array.from({ length: columns }, (_, column) => sheet.getRow(row).getCell(column + 1).value ?? '');

// What XML 1.0 cannot hold is dropped (as exceljs drops it); everything else comes back as written.
const XML_UNWRITABLE = /[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE\uFFFF]/g;

describe('streamXlsx', () => {
  it('reads back with exceljs: sheet name, every cell in its place, text XML must escape, numbers as numbers, styles, widths, frozen rows', async () => {
    const awkward = ['a & b < c > d "e" \'f\'', '两行\r\n第二行', ' leading', 'trailing ', 'tab\there', 'nul\u0000 esc\u001b del\u007F', 'lone \uD800 surrogate', 'emoji 🌾 ]]>'];
    const sheet = await readBack([
      [
        { cells: ['标题'], style: 'caption' },
        { cells: ['编号', '措施', '次数'], style: 'bold' },
      ],
      awkward.map((text, index) => ({ cells: [`r-${index}`, text, index] })),
      [{ cells: ['合计', '', 0.5], style: 'bold' }],
    ]);
    expect(sheet.name).toBe('整改台账');
    expect(valuesOf(sheet, 1, 1)).toEqual(['标题']);
    expect(valuesOf(sheet, 2, 3)).toEqual(['编号', '措施', '次数']);
    awkward.forEach((text, index) =>
      expect(valuesOf(sheet, 3 + index, 3)).toEqual([`r-${index}`, text.replace(XML_UNWRITABLE, '').replace('\uD800', '\uFFFD'), index]),
    );
    expect(valuesOf(sheet, 3 + awkward.length, 3)).toEqual(['合计', '', 0.5]);
    expect(sheet.rowCount).toBe(3 + awkward.length);
    expect(sheet.getRow(1).getCell(1).font).toMatchObject({ bold: true, size: 14 });
    expect(sheet.getRow(2).getCell(2).font).toMatchObject({ bold: true });
    expect(sheet.getRow(3).getCell(1).font?.bold).toBeFalsy();
    expect(SHEET.widths.map((_, column) => sheet.getColumn(column + 1).width)).toEqual(SHEET.widths);
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
  });

  it('any text comes back as written, less what XML cannot hold', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 20 }), async (texts) => {
        const sheet = await readBack([texts.map((text) => ({ cells: [text] }))]);
        texts.forEach((text, index) => expect(sheet.getRow(1 + index).getCell(1).value ?? '').toBe(text.toWellFormed().replace(XML_UNWRITABLE, '')));
      }),
      { numRuns: 20 },
    );
  });

  it('a failure reading the rows ends the download with that failure', async () => {
    async function* failing(): AsyncIterable<XlsxRow[]> {
      yield [{ cells: ['第一页'] }];
      throw new Error('read model gone');
    }
    await expect(streamXlsx(SHEET, failing()).toArray()).rejects.toThrow('read model gone');
  });
});
