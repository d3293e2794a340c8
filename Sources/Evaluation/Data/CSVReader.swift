/// Python `csv.reader` with the default (excel) dialect: ',' delimiter, '"' quote, doubled quotes
/// inside quoted fields, newlines allowed inside quotes, `strict=False` (text after a closing quote
/// is kept), records ended by "\n", "\r" or "\r\n", a blank line an empty record.
/// Returns records with the 1-based line number where each record starts.
public enum CSVReader {
    public struct Record: Equatable {
        public var fields: [String]
        public var line: Int
    }

    private enum State { case startRecord, startField, inField, inQuoted, quoteInQuoted }

    public static func parse(_ text: String) -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var state = State.startRecord
        var line = 1
        var recordLine = 1
        var lastWasCR = false

        func saveField() {
            fields.append(String(field))
            field = String.UnicodeScalarView()
        }
        func endRecord() {
            saveField()
            records.append(Record(fields: fields, line: recordLine))
            fields = []
        }

        for u in text.unicodeScalars {
            let isNL = u == "\n" || u == "\r"
            let continuesCRLF = u == "\n" && lastWasCR
            // "\r\n" is one line break.
            if isNL && !continuesCRLF { line += 1 }
            lastWasCR = (u == "\r")
            switch state {
            case .startRecord:
                if continuesCRLF { continue }
                if isNL {  // a blank line is an empty record, as Python's reader gives []
                    records.append(Record(fields: [], line: line - 1))
                    continue
                }
                recordLine = line
                state = .startField
                fallthrough
            case .startField:
                if isNL { endRecord(); state = .startRecord }
                else if u == "\"" { state = .inQuoted }
                else if u == "," { saveField() }
                else { field.append(u); state = .inField }
            case .inField:
                if isNL { endRecord(); state = .startRecord }
                else if u == "," { saveField(); state = .startField }
                else { field.append(u) }
            case .inQuoted:
                if u == "\"" { state = .quoteInQuoted } else { field.append(u) }
            case .quoteInQuoted:
                if u == "\"" { field.append(u); state = .inQuoted }
                else if u == "," { saveField(); state = .startField }
                else if isNL { endRecord(); state = .startRecord }
                else { field.append(u); state = .inField }
            }
        }
        switch state {
        case .startRecord: break
        case .startField, .inField, .inQuoted, .quoteInQuoted: endRecord()
        }
        return records
    }
}
