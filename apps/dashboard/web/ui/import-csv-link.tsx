import { Link } from '@tanstack/react-router';
import { useCan } from '../workspace.tsx';

/** The way to the CSV import (/links/import), offered to those who may create links. */
export function ImportCsvLink() {
  const canWrite = useCan('links:write');
  if (!canWrite) return null;
  return (
    <p>
      <Link to="/links/import">Import CSV</Link>: many links at once, from a spreadsheet.
    </p>
  );
}
