// Who a journal is: a random id written once, when the journal's directory is first used, to
// <feed dir>/journal.id. The database stores it with its checkpoint, so a checkpoint is only ever
// applied to the journal it was taken in: a deleted, moved or different journal is noticed and
// starts a recorded new epoch instead of being skipped as "already committed".
// The file also binds the journal to what it records and to what it feeds: the source of its
// frames (the adapter and the stream's host: a simulator under an exchange's name is another
// source) and the database its writer last fed (audit.installation), so that one database never
// takes another one's records by mistake.
// Used by the feed thread (JournalWriter::open), the writer thread and `tickscope replay`.
#pragma once

#include <expected>
#include <filesystem>
#include <string>

namespace tickscope::ingest::journal {

// The file's first line: "tickscope-journal <format> <id>"; then "source <text>" and
// "database <id>" lines once bound (older builds read the first line alone).
constexpr int kFormat = 2;
constexpr std::string_view kIdentityFile = "journal.id";

struct Identity
{
    std::string id; // 32 hex digits
    // "<adapter> <scheme>://<host>" of the stream it records; empty: not bound yet.
    std::string source;
    // audit.installation's id of the database it feeds; empty: not bound yet.
    std::string database;
};

// Reads the identity of the journal in `directory`, creating the directory and the identity when
// neither a journal.id nor any segment is there yet. Two threads may call it at once: one creates
// the file, both get the same id. Refuses a directory that holds segments but no journal.id
// (written by an older Tickscope, in another format).
std::expected<Identity, std::string> openIdentity(const std::filesystem::path &directory);

// Records `identity`'s source and database in the journal's journal.id (its id must be the one
// there), replacing the file whole.
std::expected<void, std::string> bindIdentity(
    const std::filesystem::path &directory, const Identity &identity);

} // namespace tickscope::ingest::journal
