import { describe, expect, it } from 'vitest';
import { exportUrl, fileFormat } from './directoryTransfer';

describe('directory transfer', () => {
  it('reads the format from the file name, CSV unless it is .xlsx', () => {
    expect(fileFormat('Справочник.XLSX')).toBe('xlsx');
    expect(fileFormat('directory.csv')).toBe('csv');
    expect(fileFormat('export.txt')).toBe('csv');
  });

  it('asks for the export in the UI language', () => {
    expect(exportUrl('xlsx', 'en')).toBe('/api/v1/directory/export?format=xlsx&lang=en');
  });
});
