# frozen_string_literal: true

# A Member by single-table inheritance: its element is "moderator", and
# what filters name under "member" is its too.
class Moderator < Member
end
