// The raw-message journal: what goes in comes out in order, from any position, across segment
// rotation, while it is still being written, and up to a truncated tail after a crash.
#include "app/ingest/journal_reader.h"
#include "app/ingest/journal_writer.h"
#include "tests/support/descriptor_shortage.h"

#include <QTemporaryDir>
#include <QTest>
#include <fstream>

using namespace tickscope::ingest::journal;

namespace {

std::string payloadOf(int i)
{
    return R"({"e":"trade","s":"BTCUSDT","t":)" + std::to_string(i)
        + R"(,"p":"67000.1","q":"0.5"})";
}

std::vector<Record> readAll(JournalReader &reader)
{
    std::vector<Record> records;
    for (;;) {
        auto record = reader.next();
        if (!record)
            qFatal("%s", record.error().message.c_str());
        if (!*record)
            return records;
        records.push_back(std::move(**record));
    }
}

} // namespace

class TestJournal : public QObject
{
    Q_OBJECT

private slots:
    void roundTripsAcrossSegments()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.path().toStdString();
        {
            auto writer = JournalWriter::open(path, {.maxSegmentBytes = 4096});
            QVERIFY(writer);
            for (int i = 0; i < 1000; ++i) {
                const auto position = (*writer)->append(
                    i % 10 == 0 ? RecordKind::RestResponse : RecordKind::WebSocketText, i % 7,
                    1'700'000'000'000'000'000 + i, payloadOf(i));
                QVERIFY(position);
            }
            QVERIFY((*writer)->seal());
            const auto sealed = (*writer)->takeSealed();
            QVERIFY(sealed.size() > 10);
            std::int64_t records = 0;
            for (const auto &segment : sealed) {
                records += segment.records;
                QCOMPARE(std::filesystem::file_size(segment.path), segment.fileBytes);
                QVERIFY(segment.checksum != 0);
                QVERIFY(segment.firstReceivedAtNs <= segment.lastReceivedAtNs);
            }
            QCOMPARE(records, 1000);
        }
        JournalReader reader{path};
        reader.seek({});
        const auto records = readAll(reader);
        QCOMPARE(records.size(), std::size_t(1000));
        for (int i = 0; i < 1000; ++i) {
            const Record &record = records[std::size_t(i)];
            QCOMPARE(record.payload, payloadOf(i));
            QCOMPARE(record.tag, std::uint32_t(i % 7));
            QCOMPARE(record.receivedAtNs, 1'700'000'000'000'000'000 + i);
            QCOMPARE(
                record.kind, i % 10 == 0 ? RecordKind::RestResponse : RecordKind::WebSocketText);
        }
        QCOMPARE(records.front().position, (Position{0, 0}));

        // From a checkpoint in the middle of a segment.
        const Position middle = records[500].position;
        JournalReader resumed{path};
        resumed.seek(middle);
        const auto rest = readAll(resumed);
        QCOMPARE(rest.size(), std::size_t(500));
        QCOMPARE(rest.front().payload, payloadOf(500));
    }

    void reopeningStartsANewSegment()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.path().toStdString();
        for (int run = 0; run < 3; ++run) {
            auto writer = JournalWriter::open(path);
            QVERIFY(writer);
            QCOMPARE((*writer)->nextPosition(), (Position{run, 0}));
            QVERIFY((*writer)->append(RecordKind::Marker, 0, run, "connect"));
        }
        QCOMPARE(listSegments(path).value(), (std::vector<std::int64_t>{0, 1, 2}));
        JournalReader reader{path};
        reader.seek({1, 0});
        QCOMPARE(readAll(reader).size(), std::size_t(2));
    }

    // What an abandoned segment may lack is named by its receive time, so that the outage
    // window covers it: on eeff8bb the window began at the failure, and records still in
    // zstd's buffer fell outside any gap.
    void abandonNamesWhatMayBeLost()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.path().toStdString();
        auto writer = JournalWriter::open(path);
        QVERIFY(writer);
        QVERIFY((*writer)->append(RecordKind::WebSocketText, 0, 100, payloadOf(0)));
        QVERIFY((*writer)->sync());
        QVERIFY((*writer)->append(RecordKind::WebSocketText, 0, 300, payloadOf(1)));
        QVERIFY((*writer)->append(RecordKind::RestResponse, 0, 200, payloadOf(2)));
        QCOMPARE((*writer)->abandon().value_or(-1), 200);

        // Synced to the last record: nothing may be lost.
        QVERIFY((*writer)->append(RecordKind::WebSocketText, 0, 400, payloadOf(3)));
        QVERIFY((*writer)->sync());
        QVERIFY(!(*writer)->abandon());
        QVERIFY(!(*writer)->abandon());

        JournalReader reader{path};
        reader.seek({});
        const auto records = readAll(reader);
        QVERIFY(!records.empty());
        QCOMPARE(records.front().receivedAtNs, 100);
    }

    void followsAJournalBeingWritten()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.path().toStdString();
        auto writer = JournalWriter::open(path, {.maxSegmentBytes = 2000});
        QVERIFY(writer);
        JournalReader reader{path};
        reader.seek({});
        int written = 0;
        std::size_t read = 0;
        for (int round = 0; round < 20; ++round) {
            for (int i = 0; i < 7; ++i, ++written)
                QVERIFY(
                    (*writer)->append(RecordKind::WebSocketText, 0, written, payloadOf(written)));
            QVERIFY((*writer)->flush());
            const auto records = readAll(reader);
            for (const auto &record : records) {
                QCOMPARE(record.payload, payloadOf(int(read)));
                ++read;
            }
            QCOMPARE(read, std::size_t(written));
        }
    }

    // A flush of more than the decoder hands out at once (128 KiB): the last records must not
    // wait inside the decoder for more input (the "stalled tail": they did, until the segment
    // was sealed).
    void readsAllOfALargeFlushedTail_data()
    {
        QTest::addColumn<int>("records");
        for (const int records : {500, 1000, 2000, 2731, 5000, 12000})
            QTest::newRow(std::to_string(records).c_str()) << records;
    }

    void readsAllOfALargeFlushedTail()
    {
        QFETCH(int, records);
        QTemporaryDir dir;
        const std::filesystem::path path = dir.path().toStdString();
        auto writer = JournalWriter::open(path);
        QVERIFY(writer);
        for (int i = 0; i < records; ++i)
            QVERIFY((*writer)->append(RecordKind::WebSocketText, 0, i, payloadOf(i)));
        QVERIFY((*writer)->sync());
        JournalReader reader{path};
        reader.seek({});
        QCOMPARE(readAll(reader).size(), std::size_t(records));
    }

    void stopsAtATruncatedTail()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.path().toStdString();
        std::filesystem::path segment;
        {
            auto writer = JournalWriter::open(path);
            // As the feed thread does: hand data to the OS every few records.
            for (int i = 0; i < 100; ++i) {
                QVERIFY((*writer)->append(RecordKind::WebSocketText, 0, i, payloadOf(i)));
                if (i % 10 == 9)
                    QVERIFY((*writer)->flush());
            }
            QVERIFY((*writer)->seal());
            segment = (*writer)->takeSealed().front().path;
        }
        // A crash in the middle of a write: the last bytes never reached the disk.
        std::filesystem::resize_file(segment, std::filesystem::file_size(segment) - 40);
        JournalReader reader{path};
        reader.seek({});
        const auto records = readAll(reader);
        QCOMPARE(records.size(), std::size_t(90)); // the last flushed block was cut
        for (std::size_t i = 0; i < records.size(); ++i)
            QCOMPARE(records[i].payload, payloadOf(int(i)));
    }

    void reportsCorruption()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.path().toStdString();
        std::ofstream(path / segmentFileName(0)) << "this is not zstd data at all, not at all";
        JournalReader reader{path};
        reader.seek({});
        const auto record = reader.next();
        QVERIFY(!record);
        QVERIFY(QString::fromStdString(record.error().message).contains(QStringLiteral("corrupt")));
        QCOMPARE(record.error().kind, ReadError::Kind::Corrupt);
    }

    // A segment that cannot be opened for want of descriptors (EMFILE) is the system's refusal,
    // not corruption: the reader says so, keeps its place, and reads everything once it can.
    // (On eeff8bb the writer took such an error for corruption and skipped the segment.)
    void aDescriptorShortageIsRetriedNotSkipped()
    {
        QTemporaryDir dir;
        const std::filesystem::path path = dir.path().toStdString();
        {
            auto writer = JournalWriter::open(path, {.maxSegmentBytes = 4096});
            QVERIFY(writer);
            for (int i = 0; i < 600; ++i)
                QVERIFY((*writer)->append(RecordKind::WebSocketText, 0, i, payloadOf(i)));
            QVERIFY((*writer)->seal());
        }
        QVERIFY(listSegments(path).value().size() > 2);
        JournalReader reader{path};
        reader.seek({1, 3});
        std::vector<Record> records;
        auto record = reader.next();
        QVERIFY(record && *record);
        records.push_back(std::move(**record));

        // Every descriptor taken: the next segment cannot be opened.
        tickscope::testing::DescriptorShortage shortage;
        QVERIFY(shortage.exhausted());
        std::optional<ReadError> refused;
        for (int i = 0; i < 1000 && !refused; ++i) {
            record = reader.next();
            if (!record)
                refused = record.error();
            else if (*record)
                records.push_back(std::move(**record));
        }
        shortage.end();
        QVERIFY(refused);
        QCOMPARE(refused->kind, ReadError::Kind::Io);
        QVERIFY2(QString::fromStdString(refused->message).contains(QStringLiteral("Too many")),
            refused->message.c_str());

        // Descriptors again: on from exactly where it stopped.
        for (auto &rest : readAll(reader))
            records.push_back(std::move(rest));
        QCOMPARE(records.front().position, (Position{1, 3}));
        std::int64_t expected = std::stoll(
            records.front().payload.substr(records.front().payload.find("\"t\":") + 4));
        for (const Record &each : records)
            QCOMPARE(each.payload, payloadOf(static_cast<int>(expected++)));
        QCOMPARE(expected, 600);
    }
};

QTEST_GUILESS_MAIN(TestJournal)
#include "test_journal.moc"
