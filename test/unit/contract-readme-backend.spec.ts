// The README's own backend passes the contract it shows running (test/readme/map-storage.contract.ts).
import '../readme/map-storage.contract.js';
